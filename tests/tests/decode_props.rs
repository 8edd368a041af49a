//! Bounded property tests mirroring the cargo-fuzz decode targets
//! (`fuzz/fuzz_targets/decode_{huawei_ecs,huawei_vpc,aliyun_ecs}.rs`), for the output type of each
//! provider crate: decoding from arbitrary bytes, and from the spec's example payloads with random
//! parts replaced by arbitrary JSON (Alibaba: also arbitrary and spliced XML), never panics;
//! whatever decodes re-serializes to JSON that decodes to an equal value.

use proptest::prelude::*;
use serde_json::Value;

/// The example payloads of `specs/examples/<dir>` with extension `ext`, as text.
fn example_texts(dir: &str, ext: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/examples")
        .join(dir);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == ext) {
            out.push(std::fs::read_to_string(path).unwrap());
        }
    }
    assert!(!out.is_empty(), "no .{ext} examples in {}", dir.display());
    out
}

fn json_examples(dir: &str) -> Vec<Value> {
    example_texts(dir, "json")
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect()
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[0-9]{1,25}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every value position of `v`, depth first.
fn positions(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(k.clone());
                positions(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                positions(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    match path.split_first() {
        None => *v = with,
        Some((head, rest)) => match v {
            Value::Object(m) => {
                if let Some(child) = m.get_mut(head) {
                    replace(child, rest, with);
                }
            }
            Value::Array(items) => {
                if let Some(child) = head.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    replace(child, rest, with);
                }
            }
            _ => {}
        },
    }
}

fn round_trips<T>(out: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(out).expect("a decoded output re-serializes");
    let again: T = serde_json::from_str(&text).expect("its canonical JSON decodes");
    assert_eq!(&again, out, "decode(serialize(x)) != x for {text}");
}

/// The JSON properties for one crate's output type and its examples directory.
macro_rules! json_props {
    ($module:ident, $output:ty, $dir:literal) => {
        mod $module {
            use super::*;
            type Output = $output;

            proptest! {
                #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

                #[test]
                fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
                    if let Ok(out) = serde_json::from_slice::<Output>(&bytes) {
                        round_trips::<Output>(&out);
                    }
                }

                #[test]
                fn mutated_examples_never_panic(
                    which in any::<prop::sample::Index>(),
                    edits in prop::collection::vec((any::<prop::sample::Index>(), any_json()), 1..4),
                ) {
                    let all = json_examples($dir);
                    let mut value = which.get(&all).clone();
                    for (at, with) in edits {
                        let mut found = Vec::new();
                        positions(&value, &mut Vec::new(), &mut found);
                        let path = at.get(&found).clone();
                        replace(&mut value, &path, with);
                    }
                    let text = value.to_string();
                    if let Ok(out) = serde_json::from_str::<Output>(&text) {
                        round_trips::<Output>(&out);
                    }
                }
            }

            #[test]
            fn the_examples_decode() {
                for v in json_examples($dir) {
                    let out: Output = serde_json::from_value(v).expect("every example decodes");
                    round_trips::<Output>(&out);
                }
            }
        }
    };
}

json_props!(
    huawei_ecs_v2,
    ::huawei_ecs_v2::operation::nova_list_server_security_groups::NovaListServerSecurityGroupsOutput,
    "huawei-ecs-v2"
);
json_props!(
    huawei_vpc_v3,
    ::huawei_vpc_v3::operation::show_security_group::ShowSecurityGroupOutput,
    "huawei-vpc-v3"
);
json_props!(
    aliyun_ecs,
    ::aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput,
    "aliyun-ecs"
);

/// The XML decoder (what `Format::Xml` uses) of the Alibaba output.
type AliyunOutput =
    ::aliyun_ecs::operation::describe_security_group_references::DescribeSecurityGroupReferencesOutput;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The XML decoder (what `Format::Xml` uses) on arbitrary text.
    #[test]
    fn arbitrary_xml_never_panics(text in "\\PC{0,256}") {
        if let Ok(out) = quick_xml::de::from_str::<AliyunOutput>(&text) {
            round_trips::<AliyunOutput>(&out);
        }
    }

    /// The XML examples with random text spliced in and cut off.
    #[test]
    fn mutated_xml_examples_never_panic(
        which in any::<prop::sample::Index>(),
        splices in prop::collection::vec(
            (any::<prop::sample::Index>(), "(<[A-Za-z]{1,20}>|</[A-Za-z]{1,20}>|<[A-Za-z]{1,8}/>|&[a-z]{0,4};?|<!\\[CDATA\\[|\\]\\]>|[0-9]{1,30}|\\PC{0,8})"),
            1..5,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = example_texts("aliyun-ecs", "xml");
        let mut text = which.get(&all).clone();
        for (at, insert) in splices {
            let bounds: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let i = *at.get(&bounds);
            text.insert_str(i, &insert);
        }
        let bounds: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
        let full = quick_xml::de::from_str::<AliyunOutput>(&text);
        let cut_text = &text[..*cut.get(&bounds)];
        let truncated = quick_xml::de::from_str::<AliyunOutput>(cut_text);
        for out in [full, truncated].into_iter().flatten() {
            round_trips::<AliyunOutput>(&out);
        }
    }
}
