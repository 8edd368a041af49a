//! `src/divergences.rs`: a doc-only public module that lists every place where the real service
//! differs from the document the crate is transcribed from, with the evidence in words. Every
//! "real service differs" note in the other docs links here, so the provenance of a note is
//! something a reader of the published docs can see.

use proc_macro2::TokenStream;

use super::docs::Doc;
use crate::model::{DivergenceModel, FieldModel, MemberModel, Model, StructModel, TypeModel};

/// One documented item with its divergences.
struct Entry<'a> {
    /// `SecurityGroupRule.protocol`, `DescribeSecurityGroupReferences` parameter `RegionId`, ...
    item: String,
    /// What the document says about the item (type, mandatory), when it says anything.
    documented: Option<String>,
    divergences: &'a [DivergenceModel],
}

fn field_documented(f: &FieldModel) -> Option<String> {
    let mut facts = Vec::new();
    if let Some(t) = &f.documented_type {
        facts.push(format!("type {t}"));
    }
    if let Some(m) = f.documented_mandatory {
        facts.push(if m { "mandatory" } else { "optional" }.to_string());
    }
    if f.source.is_some() && facts.is_empty() {
        return Some("not described by the document".to_string());
    }
    (!facts.is_empty()).then(|| facts.join(", "))
}

fn member_documented(m: &MemberModel) -> Option<String> {
    let mut facts = Vec::new();
    if let Some(t) = &m.documented_type {
        facts.push(format!("type {t}"));
    }
    facts.push(if m.required { "required" } else { "optional" }.to_string());
    Some(facts.join(", "))
}

fn struct_entries<'a>(s: &'a StructModel, out: &mut Vec<Entry<'a>>) {
    if !s.divergences.is_empty() {
        out.push(Entry {
            item: format!("`{}`", s.name),
            documented: s.documented_name.clone().map(|n| format!("\"{n}\"")),
            divergences: &s.divergences,
        });
    }
    for f in s.fields.iter().filter(|f| !f.divergences.is_empty()) {
        out.push(Entry {
            item: format!("`{}.{}` (wire name `{}`)", s.name, f.rust_name, f.wire_name),
            documented: field_documented(f),
            divergences: &f.divergences,
        });
    }
}

fn entries(model: &Model) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for op in &model.operations {
        for m in op.members.iter().filter(|m| !m.divergences.is_empty()) {
            out.push(Entry {
                item: format!(
                    "`{}` request parameter `{}`",
                    op.name,
                    m.documented_name.as_deref().unwrap_or(&m.wire_name)
                ),
                documented: member_documented(m),
                divergences: &m.divergences,
            });
        }
        struct_entries(&op.output, &mut out);
    }
    for t in &model.types {
        match t {
            TypeModel::Struct(s) => struct_entries(s, &mut out),
            TypeModel::Enum(e) if !e.divergences.is_empty() => out.push(Entry {
                item: format!("`{}`", e.name),
                documented: e.documented_name.clone().map(|n| format!("\"{n}\"")),
                divergences: &e.divergences,
            }),
            TypeModel::Enum(_) => {}
        }
    }
    out
}

/// The module's docs.
fn module_doc(model: &Model) -> Doc {
    let mut doc = Doc::new();
    doc.para("Where the real service differs from the document, and the evidence.");
    doc.para(
        "The types of this crate model what the service really sends. Where that differs from \
         the document the crate is transcribed from, the item's docs carry a \"Real service \
         differs from the document\" note that links here. This page lists every such \
         difference: the item, what the document says about it, what the service does (and how \
         this crate models it), and the evidence.",
    );
    let list = entries(model);
    if list.is_empty() {
        doc.para("This crate has no known differences from its document.");
        return doc;
    }
    for e in list {
        doc.para(format!("## {}", e.item));
        let mut rows = Vec::new();
        if let Some(d) = &e.documented {
            rows.push(format!("- **The document:** {d}."));
        }
        for d in e.divergences {
            rows.push(format!("- **The service:** {}", d.note.trim()));
            rows.push(format!("- **Evidence:** {}.", d.source));
        }
        doc.para(rows.join("\n"));
    }
    doc
}

/// `src/divergences.rs`.
pub fn divergences_file(model: &Model) -> TokenStream {
    module_doc(model).inner()
}
