//! The documents' example responses, read from `specs/examples/<crate>/doc_*`.

use std::path::PathBuf;

use crate::payloads::{Format, Kind};

/// One example payload.
#[derive(Debug, Clone)]
pub struct Example {
    /// Benchmark name: `<crate>/<file stem>`, e.g. `huawei-vpc-v3/doc_example`.
    pub name: String,
    /// Wire format (from the file extension).
    pub format: Format,
    /// The output type it decodes into.
    pub kind: Kind,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// `specs/examples` of this repository.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/examples")
}

/// Every `doc_*.json` / `doc_*.xml` example of the three crates, sorted by name.
///
/// Errors: the directory cannot be read (run from a checkout of the repository).
pub fn doc_examples() -> std::io::Result<Vec<Example>> {
    let mut out = Vec::new();
    for (krate, kind) in [
        ("huawei-vpc-v3", Kind::VpcShowSecurityGroup),
        ("huawei-ecs-v2", Kind::NovaListServerSecurityGroups),
        ("aliyun-ecs", Kind::AliyunDescribeSecurityGroupReferences),
    ] {
        let dir = examples_dir().join(krate);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for path in files {
            let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(stem) = file.strip_prefix("doc_") else {
                continue;
            };
            let (stem, format) = if let Some(s) = stem.strip_suffix(".json") {
                (s, Format::Json)
            } else if let Some(s) = stem.strip_suffix(".xml") {
                (s, Format::Xml)
            } else {
                continue;
            };
            out.push(Example {
                name: format!("{krate}/doc_{stem}"),
                format,
                kind,
                bytes: std::fs::read(&path)?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_document_examples_of_each_crate() {
        let all = doc_examples().unwrap();
        let names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"huawei-vpc-v3/doc_example"), "{names:?}");
        assert!(names.contains(&"huawei-ecs-v2/doc_example"), "{names:?}");
        assert!(names.contains(&"aliyun-ecs/doc_xml"), "{names:?}");
        assert!(all.iter().any(|e| e.format == Format::Xml));
        assert!(all.iter().all(|e| !e.bytes.is_empty()));
    }
}
