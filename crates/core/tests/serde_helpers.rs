//! `serde_helpers` with both serde_json and quick_xml::de.

use cloudsdk_core::serde_helpers::{serialize_wrapped, string_or_number, wrapped_list};
use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, Deserialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
struct Resp {
    request_id: Option<String>,
    #[serde(default, deserialize_with = "wrapped_list")]
    security_group_references: Vec<Reference>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Reference {
    #[serde(rename = "SecurityGroupId")]
    security_group_id: Option<String>,
    #[serde(
        rename = "ReferencingSecurityGroups",
        alias = "SecurityReferencingGroups",
        default,
        deserialize_with = "wrapped_list"
    )]
    referencing: Vec<Referencing>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Referencing {
    #[serde(rename = "SecurityGroupId")]
    security_group_id: Option<String>,
    #[serde(rename = "AliUid", default, deserialize_with = "string_or_number")]
    ali_uid: Option<String>,
}

fn two_refs() -> Resp {
    Resp {
        request_id: Some("CEF72CEB-54B6-4AE8-B225-F876FF7BA984".into()),
        security_group_references: vec![Reference {
            security_group_id: Some("sg-1133aa".into()),
            referencing: vec![
                Referencing {
                    security_group_id: Some("sg-2255cc".into()),
                    ali_uid: Some("123".into()),
                },
                Referencing {
                    security_group_id: Some("sg-2255dd".into()),
                    ali_uid: Some("123".into()),
                },
            ],
        }],
    }
}

/// The documented XML example from the seed document (003_ffba5163dae80732).
const SEED_XML: &str = r#"<DescribeSecurityGroupReferencesResponse>
  <RequestId>CEF72CEB-54B6-4AE8-B225-F876FF7BA984</RequestId>
  <SecurityGroupReferences>
    <SecurityGroupReference>
      <SecurityGroupId>sg-1133aa</SecurityGroupId>
      <ReferencingSecurityGroups>
        <ReferencingSecurityGroup>
          <SecurityGroupId>sg-2255cc</SecurityGroupId>
          <AliUid>123</AliUid>
        </ReferencingSecurityGroup>
        <ReferencingSecurityGroup>
          <SecurityGroupId>sg-2255dd</SecurityGroupId>
          <AliUid>123</AliUid>
        </ReferencingSecurityGroup>
      </ReferencingSecurityGroups>
    </SecurityGroupReference>
  </SecurityGroupReferences>
</DescribeSecurityGroupReferencesResponse>
"#;

/// The documented (seed) JSON: bare arrays, the `SecurityReferencingGroups` typo, numeric AliUid.
const SEED_JSON: &str = r#"{
	"RequestId":"CEF72CEB-54B6-4AE8-B225-F876FF7BA984",
	"SecurityGroupReferences":[
		{
			"SecurityReferencingGroups":[
				{"SecurityGroupId":"sg-2255cc","AliUid":123},
				{"SecurityGroupId":"sg-2255dd","AliUid":123}
			],
			"SecurityGroupId":"sg-1133aa"
		}
	]
}"#;

/// The real wire shape: wrapper objects, string AliUid.
const WIRE_JSON: &str = r#"{"RequestId":"CEF72CEB-54B6-4AE8-B225-F876FF7BA984","SecurityGroupReferences":{"SecurityGroupReference":[{"SecurityGroupId":"sg-1133aa","ReferencingSecurityGroups":{"ReferencingSecurityGroup":[{"SecurityGroupId":"sg-2255cc","AliUid":"123"},{"SecurityGroupId":"sg-2255dd","AliUid":"123"}]}}]}}"#;

#[test]
fn seed_xml_wire_json_and_seed_json_agree() {
    let xml: Resp = quick_xml::de::from_str(SEED_XML).unwrap();
    let wire: Resp = serde_json::from_str(WIRE_JSON).unwrap();
    let seed: Resp = serde_json::from_str(SEED_JSON).unwrap();
    assert_eq!(xml, two_refs());
    assert_eq!(wire, two_refs());
    assert_eq!(seed, two_refs());
}

#[test]
fn xml_with_declaration_and_one_element_lists() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupReferencesResponse>
  <SecurityGroupReferences>
    <SecurityGroupReference>
      <ReferencingSecurityGroups>
        <ReferencingSecurityGroup>
          <AliUid>1234567890123456</AliUid>
          <SecurityGroupId>sg-x</SecurityGroupId>
        </ReferencingSecurityGroup>
      </ReferencingSecurityGroups>
      <SecurityGroupId>sg-1</SecurityGroupId>
    </SecurityGroupReference>
  </SecurityGroupReferences>
  <RequestId>R</RequestId>
</DescribeSecurityGroupReferencesResponse>"#;
    let r: Resp = quick_xml::de::from_str(xml).unwrap();
    assert_eq!(r.request_id.as_deref(), Some("R"));
    assert_eq!(r.security_group_references.len(), 1);
    let refs = &r.security_group_references[0].referencing;
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].ali_uid.as_deref(), Some("1234567890123456"));
}

#[test]
fn xml_empty_and_missing_lists() {
    for xml in [
        "<R><RequestId>R</RequestId><SecurityGroupReferences/></R>",
        "<R><RequestId>R</RequestId><SecurityGroupReferences></SecurityGroupReferences></R>",
        "<R><RequestId>R</RequestId><SecurityGroupReferences>\n  </SecurityGroupReferences></R>",
        "<R><RequestId>R</RequestId></R>",
    ] {
        let r: Resp = quick_xml::de::from_str(xml).unwrap_or_else(|e| panic!("{xml}: {e}"));
        assert!(r.security_group_references.is_empty(), "{xml}");
        assert_eq!(r.request_id.as_deref(), Some("R"));
    }
    // A reference without referencing groups.
    let r: Resp = quick_xml::de::from_str(
        "<R><SecurityGroupReferences><SecurityGroupReference><SecurityGroupId>sg</SecurityGroupId><ReferencingSecurityGroups/></SecurityGroupReference></SecurityGroupReferences></R>",
    )
    .unwrap();
    assert_eq!(r.security_group_references.len(), 1);
    assert!(r.security_group_references[0].referencing.is_empty());
}

#[test]
fn json_empty_shapes() {
    for json in [
        r#"{"SecurityGroupReferences":null}"#,
        r#"{"SecurityGroupReferences":{}}"#,
        r#"{"SecurityGroupReferences":[]}"#,
        r#"{"SecurityGroupReferences":{"SecurityGroupReference":[]}}"#,
        r#"{"SecurityGroupReferences":{"SecurityGroupReference":null}}"#,
        r#"{"SecurityGroupReferences":""}"#,
        r#"{}"#,
    ] {
        let r: Resp = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert!(r.security_group_references.is_empty(), "{json}");
    }
    // Wrapper holding a single object.
    let r: Resp = serde_json::from_str(
        r#"{"SecurityGroupReferences":{"SecurityGroupReference":{"SecurityGroupId":"sg-1"}}}"#,
    )
    .unwrap();
    assert_eq!(r.security_group_references.len(), 1);
}

#[test]
fn scalar_lists() {
    #[derive(Deserialize)]
    struct Ids {
        #[serde(rename = "Ids", default, deserialize_with = "wrapped_list")]
        ids: Vec<String>,
    }
    let j: Ids = serde_json::from_str(r#"{"Ids":{"Id":["a","b"]}}"#).unwrap();
    assert_eq!(j.ids, ["a", "b"]);
    let j: Ids = serde_json::from_str(r#"{"Ids":["a"]}"#).unwrap();
    assert_eq!(j.ids, ["a"]);
    let x: Ids = quick_xml::de::from_str("<R><Ids><Id>a</Id><Id>b</Id></Ids></R>").unwrap();
    assert_eq!(x.ids, ["a", "b"]);
    let x: Ids = quick_xml::de::from_str("<R><Ids><Id>a</Id></Ids></R>").unwrap();
    assert_eq!(x.ids, ["a"]);
}

#[test]
fn string_or_number_variants() {
    #[derive(Deserialize, Debug)]
    struct S {
        #[serde(deserialize_with = "string_or_number")]
        req: String,
        #[serde(default, deserialize_with = "string_or_number")]
        opt: Option<String>,
    }
    let cases = [
        (r#"{"req":"abc","opt":"x"}"#, "abc", Some("x")),
        (
            r#"{"req":123,"opt":1234567890123456}"#,
            "123",
            Some("1234567890123456"),
        ),
        (r#"{"req":-5,"opt":null}"#, "-5", None),
        (r#"{"req":1.5}"#, "1.5", None),
        (r#"{"req":2.0}"#, "2", None),
        (
            r#"{"req":18446744073709551615}"#,
            "18446744073709551615",
            None,
        ),
    ];
    for (json, req, opt) in cases {
        let s: S = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(s.req, req, "{json}");
        assert_eq!(s.opt.as_deref(), opt, "{json}");
    }
    assert!(serde_json::from_str::<S>(r#"{"req":null}"#).is_err());
    assert!(serde_json::from_str::<S>(r#"{"req":[1]}"#).is_err());
    let x: S = quick_xml::de::from_str("<S><req>42</req><opt>7</opt></S>").unwrap();
    assert_eq!((x.req.as_str(), x.opt.as_deref()), ("42", Some("7")));
    let x: S = quick_xml::de::from_str("<S><req>42</req></S>").unwrap();
    assert_eq!(x.opt, None);
}

#[test]
fn serialize_wrapped_writes_the_wire_shape() {
    #[derive(Serialize)]
    struct Item {
        #[serde(rename = "Id")]
        id: &'static str,
    }
    #[derive(Serialize)]
    struct Out {
        #[serde(rename = "Items", serialize_with = "ser_items")]
        items: Vec<Item>,
    }
    fn ser_items<S: Serializer>(v: &[Item], s: S) -> Result<S::Ok, S::Error> {
        serialize_wrapped(v, "Item", s)
    }
    let json = serde_json::to_string(&Out {
        items: vec![Item { id: "a" }, Item { id: "b" }],
    })
    .unwrap();
    assert_eq!(json, r#"{"Items":{"Item":[{"Id":"a"},{"Id":"b"}]}}"#);
    let empty = serde_json::to_string(&Out { items: vec![] }).unwrap();
    assert_eq!(empty, r#"{"Items":{"Item":[]}}"#);
}
