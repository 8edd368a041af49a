//! What the credential services issued: temporary keys and session tokens, each with its
//! expiry by the emulator's clock. Bounded: the oldest entries are forgotten first.

use std::collections::{HashMap, VecDeque};

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::auth::Keys;
use crate::faults::Vendor;

/// How many temporary keys, and how many session tokens, are remembered at most.
pub(crate) const CAPACITY: usize = 100_000;

const ALIYUN_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const HUAWEI_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// `t` as Alibaba writes an `Expiration`: `YYYY-MM-DDTHH:MM:SSZ` (UTC, no fraction).
pub(crate) fn aliyun_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(ALIYUN_TIME)
        .unwrap_or_default()
}

/// `t` as Huawei writes an `expires_at`: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, 6 digits).
pub(crate) fn huawei_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(HUAWEI_TIME)
        .unwrap_or_default()
}

/// What a session token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An instance metadata session token (IMDSv2) of that vendor.
    Metadata(Vendor),
    /// A Huawei IAM token (`X-Subject-Token`) from the ID-token exchange.
    HuaweiSubject,
}

struct Issued {
    vendor: Vendor,
    secret: String,
    token: String,
    expires: OffsetDateTime,
}

/// A bounded map remembering insertion order.
struct Bounded<V> {
    map: HashMap<String, V>,
    order: VecDeque<String>,
}

impl<V> Default for Bounded<V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<V> Bounded<V> {
    fn insert(&mut self, key: String, value: V) {
        while self.order.len() >= CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        self.order.push_back(key.clone());
        self.map.insert(key, value);
    }
}

/// The issued temporary keys and session tokens. `Debug` shows counts only: the keys' secrets
/// and every token are secrets.
#[derive(Default)]
pub(crate) struct Store {
    keys: Bounded<Issued>,
    tokens: Bounded<(TokenKind, OffsetDateTime)>,
    issued_total: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("keys", &self.keys.map.len())
            .field("tokens", &self.tokens.map.len())
            .field("issued_total", &self.issued_total)
            .finish()
    }
}

/// A temporary key just issued.
pub(crate) struct NewKey {
    pub access_key_id: String,
    pub secret: String,
    pub token: String,
    pub expires: OffsetDateTime,
}

fn random_hex(n: usize) -> String {
    let mut out = String::new();
    while out.len() < n {
        out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    out.truncate(n);
    out
}

impl Store {
    /// Issues a temporary key for `vendor`, valid until `expires` (truncated to whole seconds,
    /// as the answers write it).
    pub fn issue(&mut self, vendor: Vendor, expires: OffsetDateTime) -> NewKey {
        let expires = expires.replace_nanosecond(0).unwrap_or(expires);
        let (access_key_id, secret, token) = match vendor {
            Vendor::Aliyun => (
                format!("STS.{}", random_hex(24).to_ascii_uppercase()),
                random_hex(40),
                format!("CAIS{}", random_hex(120)),
            ),
            Vendor::Huawei => (
                random_hex(20).to_ascii_uppercase(),
                random_hex(40),
                format!("gQpjbi1ub3J0aC00{}", random_hex(160)),
            ),
        };
        self.keys.insert(
            access_key_id.clone(),
            Issued {
                vendor,
                secret: secret.clone(),
                token: token.clone(),
                expires,
            },
        );
        self.issued_total += 1;
        NewKey {
            access_key_id,
            secret,
            token,
            expires,
        }
    }

    /// The keys to verify `key_id` with, and when they expire, if `vendor`'s services issued it.
    pub fn key(&self, vendor: Vendor, key_id: &str) -> Option<(Keys, OffsetDateTime)> {
        let issued = self.keys.map.get(key_id).filter(|i| i.vendor == vendor)?;
        let keys = Keys::new(key_id, issued.secret.clone()).with_security_token(&issued.token);
        Some((keys, issued.expires))
    }

    /// How many temporary keys were issued in all.
    pub fn issued_total(&self) -> usize {
        self.issued_total
    }

    /// Issues a session token of `kind`, valid until `expires`.
    pub fn issue_token(&mut self, kind: TokenKind, expires: OffsetDateTime) -> String {
        let token = match kind {
            TokenKind::Metadata(Vendor::Aliyun) => format!("AQAEA{}", random_hex(48)),
            TokenKind::Metadata(Vendor::Huawei) => format!("hwmd-{}", random_hex(48)),
            TokenKind::HuaweiSubject => format!("MIIDkgYJKoZIhvcNAQcCoIIDgzCC{}", random_hex(96)),
        };
        self.tokens.insert(token.clone(), (kind, expires));
        token
    }

    /// Whether `token` is a valid (issued, unexpired) session token of `kind`.
    pub fn token_valid(&self, kind: TokenKind, token: &str, now: OffsetDateTime) -> bool {
        self.tokens
            .map
            .get(token)
            .is_some_and(|(k, expires)| *k == kind && now < *expires)
    }

    /// Whether `token` is a valid metadata session token of `vendor`.
    pub fn metadata_token_valid(&self, vendor: Vendor, token: &str, now: OffsetDateTime) -> bool {
        self.token_valid(TokenKind::Metadata(vendor), token, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_are_found_for_their_vendor_only_and_expire_at_whole_seconds() {
        let mut store = Store::default();
        let at = time::macros::datetime!(2030-01-02 03:04:05.678 UTC);
        let key = store.issue(Vendor::Aliyun, at);
        assert!(key.access_key_id.starts_with("STS."));
        assert_eq!(
            key.expires,
            time::macros::datetime!(2030-01-02 03:04:05 UTC)
        );
        let (keys, expires) = store.key(Vendor::Aliyun, &key.access_key_id).unwrap();
        assert_eq!(keys.secret, key.secret);
        assert_eq!(keys.security_token.as_deref(), Some(key.token.as_str()));
        assert_eq!(expires, key.expires);
        assert!(store.key(Vendor::Huawei, &key.access_key_id).is_none());
        assert_eq!(store.issued_total(), 1);
    }

    #[test]
    fn debug_shows_counts_never_a_secret_or_token() {
        let mut store = Store::default();
        let key = store.issue(Vendor::Huawei, OffsetDateTime::now_utc());
        let token = store.issue_token(TokenKind::HuaweiSubject, OffsetDateTime::now_utc());
        let shown = format!("{store:?}");
        assert!(
            !shown.contains(&key.secret) && !shown.contains(&key.token),
            "{shown}"
        );
        assert!(!shown.contains(&token), "{shown}");
        assert!(shown.contains("issued_total: 1"), "{shown}");
    }

    #[test]
    fn time_formats_are_the_vendors() {
        let t = time::macros::datetime!(2030-01-02 03:04:05 UTC);
        assert_eq!(aliyun_time(t), "2030-01-02T03:04:05Z");
        assert_eq!(huawei_time(t), "2030-01-02T03:04:05.000000Z");
    }

    #[test]
    fn tokens_are_valid_for_their_kind_until_they_expire() {
        let mut store = Store::default();
        let now = time::macros::datetime!(2030-01-01 00:00:00 UTC);
        let t = store.issue_token(
            TokenKind::Metadata(Vendor::Aliyun),
            now + time::Duration::seconds(10),
        );
        assert!(store.metadata_token_valid(Vendor::Aliyun, &t, now));
        assert!(!store.metadata_token_valid(Vendor::Huawei, &t, now));
        assert!(!store.token_valid(TokenKind::HuaweiSubject, &t, now));
        assert!(!store.metadata_token_valid(Vendor::Aliyun, &t, now + time::Duration::seconds(10)));
    }
}
