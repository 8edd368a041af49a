//! Property tests for percent-encoding, canonical query ordering and signature sensitivity.

use cloudsdk_core::sign::encode::{
    canonical_query_string, percent_decode, percent_encode, percent_encode_into,
};
use cloudsdk_core::sign::{aliyun_v2, aliyun_v3, huawei};
use proptest::prelude::*;

/// Byte-wise reference encoder: unreserved bytes literal, everything else `%XX` upper-case.
fn reference_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("every pair has '='");
            (
                percent_decode(k).unwrap().into_owned(),
                percent_decode(v).unwrap().into_owned(),
            )
        })
        .collect()
}

fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Query keys/values: ASCII specials, unicode, empty strings.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._~*+/=&%!'()#?-]{0,12}",
        "\\PC{0,8}",
        Just(String::new()),
    ]
}

fn query_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..12).prop_flat_map(|mut pairs| {
        // Add some repeated keys.
        if let Some((k, _)) = pairs.first().cloned() {
            pairs.push((k.clone(), "dup-b".into()));
            pairs.push((k, "dup-a".into()));
        }
        Just(pairs)
    })
}

/// Distinct (case-insensitive) custom header names with printable values.
fn extra_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("x-[a-z0-9]{1,8}", "[ -~]{0,16}", 0..6)
        .prop_map(|m| m.into_iter().collect())
}

/// A permutation of `v` chosen by `seed`.
fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut out = v.to_vec();
    let mut s = seed | 1;
    for i in (1..out.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.swap(i, (s % (i as u64 + 1)) as usize);
    }
    out
}

#[derive(Debug, Clone)]
struct HwReq {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HwReq {
    fn sign(&self, secret: &str) -> huawei::Signed {
        let q = refs(&self.query);
        let h = refs(&self.headers);
        let input = huawei::SigningInput {
            method: &self.method,
            host: "vpc.example.com:8443",
            path: &self.path,
            query: &q,
            headers: &h,
            body: &self.body,
        };
        huawei::sign(&input, "AK", secret).expect("valid input signs")
    }
}

fn hw_req() -> impl Strategy<Value = HwReq> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("DELETE")],
        prop::collection::vec("\\PC{0,6}", 1..4),
        query_pairs(),
        extra_headers(),
        prop::collection::vec(any::<u8>(), 0..32),
    )
        .prop_map(|(method, segments, query, extra, body)| {
            let path = segments
                .iter()
                .map(|s| percent_encode(s))
                .fold(String::new(), |acc, s| acc + "/" + &s);
            let mut headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-Sdk-Date".to_owned(), "20240102T030405Z".to_owned()),
            ];
            headers.extend(extra);
            HwReq {
                method: method.to_owned(),
                path,
                query,
                headers,
                body,
            }
        })
}

proptest! {
    #[test]
    fn encode_decode_round_trip(s in any::<String>()) {
        let enc = percent_encode(&s);
        prop_assert_eq!(percent_decode(&enc).unwrap(), s.as_str());
    }

    #[test]
    fn encode_matches_byte_reference(s in any::<String>()) {
        let enc = percent_encode(&s);
        prop_assert_eq!(&enc, &reference_encode(&s));
        // Output alphabet: unreserved characters and %XX with upper-case hex, never '+'.
        let b = enc.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                prop_assert!(i + 2 < b.len(), "truncated escape in {:?}", enc);
                prop_assert!(b[i + 1].is_ascii_hexdigit() && !b[i + 1].is_ascii_lowercase());
                prop_assert!(b[i + 2].is_ascii_hexdigit() && !b[i + 2].is_ascii_lowercase());
                i += 3;
            } else {
                prop_assert!(b[i].is_ascii_alphanumeric() || b"-_.~".contains(&b[i]), "byte {:?}", b[i]);
                i += 1;
            }
        }
        prop_assert!(!enc.contains('+'));
    }

    #[test]
    fn encode_specials(prefix in "[a-z]{0,4}", c in prop::sample::select(vec![' ', '*', '~', '+', '/'])) {
        let enc = percent_encode(&format!("{prefix}{c}"));
        let expected = match c { ' ' => "%20", '*' => "%2A", '~' => "~", '+' => "%2B", _ => "%2F" };
        prop_assert_eq!(enc, format!("{prefix}{expected}"));
    }

    #[test]
    fn encode_into_appends(prefix in "\\PC{0,8}", s in any::<String>()) {
        let mut out = prefix.clone();
        percent_encode_into(&s, &mut out);
        prop_assert_eq!(out, format!("{prefix}{}", percent_encode(&s)));
    }

    #[test]
    fn canonical_query_is_sorted_by_raw_pairs(pairs in query_pairs(), seed in any::<u64>()) {
        let q = canonical_query_string(&refs(&pairs));
        let mut expected = pairs.clone();
        expected.sort();
        prop_assert_eq!(decode_pairs(&q), expected);
        prop_assert_eq!(canonical_query_string(&refs(&shuffled(&pairs, seed))), q);
    }

    #[test]
    fn huawei_is_order_independent_and_deterministic(req in hw_req(), seed in any::<u64>()) {
        let a = req.sign("SK");
        prop_assert_eq!(&a, &req.sign("SK"));
        let mut mixed = HwReq { query: shuffled(&req.query, seed), headers: shuffled(&req.headers, seed ^ 7), ..req };
        let b = mixed.sign("SK");
        prop_assert_eq!(&a.canonical_query, &b.canonical_query);
        prop_assert_eq!(&a.canonical_request, &b.canonical_request);
        prop_assert_eq!(&a.authorization, &b.authorization);
        let mut expected = mixed.query.clone();
        expected.sort();
        prop_assert_eq!(decode_pairs(&a.canonical_query), expected);
        // Header names are case-insensitive.
        for (k, _) in &mut mixed.headers { *k = k.to_ascii_uppercase(); }
        prop_assert_eq!(&mixed.sign("SK").signature, &a.signature);
    }

    #[test]
    fn huawei_signature_covers_every_signed_input(req in hw_req(), which in 0usize..10) {
        let base = req.sign("SK").signature;
        let mut req = req;
        let mut secret = "SK".to_owned();
        match which {
            0 => req.method = if req.method == "GET" { "PUT".into() } else { "GET".into() },
            1 => req.path.push_str("/x"),
            2 => req.query.push(("zz".into(), String::new())),
            3 => match req.query.first_mut() { Some(p) => p.1.push('x'), None => req.query.push(("a".into(), "b".into())) },
            4 => req.headers.push(("X-New".into(), "v".into())),
            5 => req.headers[0].1.push('x'), // Content-Type
            6 => match req.headers.get_mut(2) { Some(h) => h.1.push('x'), None => req.body.push(b'?') },
            7 => req.headers[1].1 = "20240102T030406Z".into(), // X-Sdk-Date
            8 => req.body.push(b'!'),
            _ => secret.push('x'),
        }
        prop_assert_ne!(req.sign(&secret).signature, base);
    }

    #[test]
    fn huawei_unsigned_headers_do_not_matter(req in hw_req(), v in "[ -~]{0,16}") {
        let base = req.sign("SK");
        let mut req = req;
        req.headers.push(("X_Not_Signed".into(), v));
        prop_assert_eq!(req.sign("SK").authorization, base.authorization);
    }

    #[test]
    fn huawei_verification_reproduces_the_signature(req in hw_req()) {
        let signed = req.sign("SK");
        let parsed = huawei::parse_authorization(&signed.authorization).unwrap();
        let mut wire = req.headers.clone();
        wire.extend(signed.added_headers.iter().cloned());
        let (q, h) = (refs(&req.query), refs(&wire));
        let input = huawei::SigningInput {
            method: &req.method, host: "ignored", path: &req.path, query: &q, headers: &h, body: &req.body,
        };
        let again = huawei::sign_with_signed_headers(&input, &parsed.signed_header_names(), "AK", "SK").unwrap();
        prop_assert_eq!(again.authorization, signed.authorization);
    }

    #[test]
    fn aliyun_v2_is_order_independent_and_sensitive(
        params in prop::collection::btree_map("[A-Za-z][A-Za-z0-9.]{0,10}", text(), 1..12),
        seed in any::<u64>(),
        which in 0usize..3,
    ) {
        let pairs: Vec<(String, String)> = params.into_iter().collect();
        let a = aliyun_v2::sign("POST", &refs(&pairs), "secret");
        prop_assert_eq!(&a, &aliyun_v2::sign("POST", &refs(&pairs), "secret"));
        let b = aliyun_v2::sign("POST", &refs(&shuffled(&pairs, seed)), "secret");
        prop_assert_eq!(&a, &b);
        // The wire query is the sorted parameters plus Signature.
        let mut wire = decode_pairs(&a.signed_query);
        prop_assert!(wire.windows(2).all(|w| w[0] <= w[1]), "signed_query not sorted");
        let pos = wire.iter().position(|(k, _)| k == "Signature").unwrap();
        prop_assert_eq!(&wire.remove(pos).1, &a.signature);
        prop_assert_eq!(wire, pairs.clone());

        let mut pairs = pairs;
        let mut secret = "secret";
        let mut method = "POST";
        match which {
            0 => pairs[0].1.push('x'),
            1 => secret = "secret2",
            _ => method = "GET",
        }
        prop_assert_ne!(aliyun_v2::sign(method, &refs(&pairs), secret).signature, a.signature);
    }

    #[test]
    fn aliyun_v3_is_order_independent_and_sensitive(
        query in prop::collection::btree_map("[A-Za-z][A-Za-z0-9.]{0,10}", text(), 0..8),
        acs in prop::collection::btree_map("x-acs-[a-z]{1,8}", "[!-~][ -~]{0,15}", 1..5),
        body in prop::collection::vec(any::<u8>(), 0..32),
        seed in any::<u64>(),
        which in 0usize..6,
    ) {
        let query: Vec<(String, String)> = query.into_iter().collect();
        let mut headers: Vec<(String, String)> = acs.into_iter().collect();
        headers.push(("host".into(), "ecs.cn-hangzhou.aliyuncs.com".into()));
        headers.push(("user-agent".into(), "ignored".into()));
        let sign = |m: &str, p: &str, q: &[(String, String)], h: &[(String, String)], b: &[u8], sk: &str| {
            let (q, h) = (refs(q), refs(h));
            aliyun_v3::sign(&aliyun_v3::SigningInput { method: m, path: p, query: &q, headers: &h, body: b }, "ak", sk)
        };
        let a = sign("POST", "/", &query, &headers, &body, "sk");
        prop_assert_eq!(&a, &sign("POST", "/", &query, &headers, &body, "sk"));
        let b = sign("POST", "/", &shuffled(&query, seed), &shuffled(&headers, seed), &body, "sk");
        prop_assert_eq!(&a, &b);
        prop_assert!(!a.signed_headers.contains("user-agent"));
        let mut sorted = query.clone();
        sorted.sort();
        prop_assert_eq!(decode_pairs(&a.canonical_query), sorted);

        let (mut q, mut h, mut bd) = (query.clone(), headers.clone(), body.clone());
        let (mut m, mut p, mut sk) = ("POST", "/", "sk");
        match which {
            0 => q.push(("Zz".into(), "1".into())),
            1 => h[0].1.push('x'),
            2 => bd.push(1),
            3 => m = "GET",
            4 => p = "/x",
            _ => sk = "sk2",
        }
        prop_assert_ne!(&sign(m, p, &q, &h, &bd, sk).signature, &a.signature);
        // An unsigned header does not change it.
        h = headers.clone();
        h.push(("accept".into(), "application/json".into()));
        prop_assert_eq!(&sign("POST", "/", &query, &h, &body, "sk").signature, &a.signature);
    }
}
