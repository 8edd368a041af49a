//! cloudsdk-core (placeholder)
