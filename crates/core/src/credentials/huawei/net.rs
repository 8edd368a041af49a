//! Huawei providers that fetch temporary credentials over the network.
