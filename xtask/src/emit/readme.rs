//! `README.md`: the crate's front page on crates.io and docs.rs (`lib.rs` includes it with
//! `#![doc = include_str!("../README.md")]`, so its code blocks are compiled as doctests).
//!
//! Plain Markdown: no intra-doc links (they would not render on crates.io); `lib.rs` appends a
//! short crate map with links after it.

use super::docs::{Doc, rust_str};
use super::operation::usage_body;
use crate::load::Presence;
use crate::model::{FieldModel, Model, OperationModel, Protocol, StructModel, TypeModel, TypeRef};
use crate::names;

/// The README text (without the `@generated` header, which the format stage adds).
pub fn readme(model: &Model) -> String {
    let mut doc = Doc::new();
    doc.para(format!("# {}", model.crate_name));
    doc.para(model.description.clone());
    doc.paras(&model.docs);
    operations(model, &mut doc);
    endpoint(model, &mut doc);
    if let Some(op) = model.operations.first() {
        doc.para("## Example");
        doc.code("rust,no_run", &main_example(model, op));
        doc.para("## Test fixtures");
        doc.para(
            "Output and model types are `#[non_exhaustive]` (fields the documents add later are \
             not a breaking change), so they are built with builders: `Type::builder()`, one \
             setter per field (`set_*` takes an `Option`, a list field has an appending setter), \
             then `build()`. `build()` returns a `Result` whose `ConstructionError` names the \
             missing field when the type has required fields, and the value itself otherwise. \
             For example, a response a mocked client could return:",
        );
        doc.code("rust", &fixture_example(model, op));
    }
    doc.para("## Differences from the document");
    doc.para(
        "Where the real service differs from the document, the types follow the service and the \
         item's docs say so; the `divergences` module lists every difference with its evidence.",
    );
    sources(model, &mut doc);
    doc.para("## License");
    doc.para("Apache-2.0; the license text is in `LICENSE`, inside this package.");
    doc.markdown()
}

fn operations(model: &Model, doc: &mut Doc) {
    doc.para("## Operations");
    let rows: Vec<String> = model
        .operations
        .iter()
        .map(|op| {
            format!(
                "- `{}` ({}): `Client::{}`, types in `operation::{}`",
                op.name, op.title, op.snake, op.snake
            )
        })
        .collect();
    doc.para(rows.join("\n"));
}

fn endpoint(model: &Model, doc: &mut Doc) {
    doc.para("## Endpoint");
    match &model.protocol {
        Protocol::Huawei {
            endpoint_template,
            docs,
        } => {
            doc.para(format!(
                "`{endpoint_template}`, with `{{region}}` from `ClientBuilder::region`; \
                 `ClientBuilder::endpoint` overrides it."
            ));
            doc.paras(docs);
        }
        Protocol::Aliyun {
            product,
            version,
            endpoint_rule,
            endpoint_map,
            docs,
        } => {
            doc.para(format!(
                "Product `{product}`, API version `{version}`. Endpoint rule `{endpoint_rule}` \
                 (`{{network}}` is empty on the public network), except for these regions:"
            ));
            let rows: Vec<String> = endpoint_map
                .iter()
                .map(|(r, e)| format!("- `{r}` → `{e}`"))
                .collect();
            doc.para(rows.join("\n"));
            doc.paras(docs);
        }
    }
}

fn sources(model: &Model, doc: &mut Doc) {
    doc.para("## Sources");
    doc.para(
        "This crate is generated from a spec transcribed from the first of these documents; the \
         others are the evidence for the places where the real service differs from it:",
    );
    // The primary document first, then the others in key order.
    let mut list: Vec<(&String, &crate::model::SourceModel)> = model.sources.iter().collect();
    list.sort_by_key(|(key, _)| (**key != model.primary_source, (*key).clone()));
    let rows: Vec<String> = list.iter().map(|(_, s)| format!("- {}", s.title)).collect();
    doc.para(rows.join("\n"));
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A complete program (no hidden lines, so the README reads well on crates.io too).
fn main_example(model: &Model, op: &OperationModel) -> String {
    format!(
        "#[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{}\n    Ok(())\n}}",
        indent(&usage_body(model, op), "    ")
    )
}

fn find_struct<'a>(model: &'a Model, name: &str) -> Option<&'a StructModel> {
    model.types.iter().find_map(|t| match t {
        TypeModel::Struct(s) if s.name == name => Some(s),
        _ => None,
    })
}

/// A value expression for a field of the fixture, or `None` to leave the field unset.
fn field_value(model: &Model, f: &FieldModel, depth: usize) -> Option<String> {
    let krate = &model.crate_ident;
    // Every scalar field is set; at the top level every list gets one item and every struct a
    // value, below it only the required structs are built.
    let ty = match &f.ty {
        TypeRef::List(item) if depth == 0 => item.as_ref(),
        TypeRef::List(_) => return None,
        TypeRef::Named(_) if depth == 0 || !f.defaultable => &f.ty,
        TypeRef::Named(_) => return None,
        scalar => scalar,
    };
    Some(match ty {
        TypeRef::String => rust_str(f.example.as_deref().unwrap_or("example")),
        TypeRef::Integer | TypeRef::Long => f.example.clone().unwrap_or_else(|| "1".into()),
        TypeRef::Boolean => "true".to_string(),
        TypeRef::Named(n) => match find_struct(model, n) {
            Some(s) => builder_chain(model, s, &format!("{krate}::types::{n}"), depth + 1),
            None => {
                let first = model.types.iter().find_map(|t| match t {
                    TypeModel::Enum(e) if e.name == *n => e.values.first().map(|v| v.0.clone()),
                    _ => None,
                });
                rust_str(&first.unwrap_or_default())
            }
        },
        TypeRef::List(_) => return None,
    })
}

/// `Path::builder().a(..).b(..).build()` (with `?` when `build()` can fail): every required
/// field set, and at the top level one item in each list.
fn builder_chain(model: &Model, s: &StructModel, path: &str, depth: usize) -> String {
    let mut out = format!("{path}::builder()");
    for f in &s.fields {
        let Some(value) = field_value(model, f, depth) else {
            continue;
        };
        let setter = match &f.item_setter {
            Some(item) if f.ty.is_list() => item.clone(),
            _ => names::ident(&f.rust_name).to_string(),
        };
        if value.contains('\n') {
            out.push_str(&format!(
                "\n    .{setter}(\n{},\n    )",
                indent(&value, "        ")
            ));
        } else {
            out.push_str(&format!("\n    .{setter}({value})"));
        }
    }
    out.push_str(if s.default {
        "\n    .build()"
    } else {
        "\n    .build()?"
    });
    out
}

/// A fixture of the operation's output built with the builders, and a check on it.
fn fixture_example(model: &Model, op: &OperationModel) -> String {
    let krate = &model.crate_ident;
    let output = &op.output;
    let chain = builder_chain(model, output, &output.name, 0);
    let check = output
        .fields
        .iter()
        .find_map(|f| Some((f, field_value(model, f, 0)?)))
        .map(|(f, value)| {
            let field = names::ident(&f.rust_name);
            let option = matches!(f.presence, Presence::Nullable | Presence::Optional);
            match &f.ty {
                TypeRef::List(_) => format!("assert_eq!(output.{field}.len(), 1);"),
                _ if option => format!("assert!(output.{field}.is_some());"),
                TypeRef::Named(_) => format!("let _ = &output.{field};"),
                _ => format!("assert_eq!(output.{field}, {value});"),
            }
        })
        .unwrap_or_default();
    format!(
        "use {krate}::operation::{}::{};\n\n\
         fn main() -> Result<(), {krate}::error::ConstructionError> {{\n    \
         let output = {};\n    {check}\n    Ok(())\n}}",
        op.snake,
        output.name,
        indent(&chain, "    ").trim_start()
    )
}
