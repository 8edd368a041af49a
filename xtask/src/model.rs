//! Stage 3, **model**: a validated [`SpecFile`] resolved into the data the emitter needs.
//!
//! Everything here is plain data with Rust names already chosen, defaults applied and lists
//! sorted, so the emitter never has to make a decision that affects determinism.

use std::collections::BTreeMap;

use crate::load::{
    self, Decode, Field, FilledBy, ListStyle, MemberDefault, ParamLocation, Presence, Service,
    SpecFile, TypeKind,
};
use crate::names;

/// The resolved spec of one crate.
#[derive(Debug)]
pub struct Model {
    /// `specs/<crate>.yaml`, for the `@generated` header.
    pub spec_file: String,
    /// Package name (`huawei-vpc-v3`).
    pub crate_name: String,
    /// Rust crate name (`huawei_vpc_v3`).
    pub crate_ident: String,
    /// One-line description.
    pub description: String,
    /// Crate documentation paragraphs.
    pub docs: Vec<String>,
    /// Sources by key.
    pub sources: BTreeMap<String, SourceModel>,
    /// The primary source's key.
    pub primary_source: String,
    /// Protocol data.
    pub protocol: Protocol,
    /// Client-level API version enum (Huawei ECS).
    pub api_version: Option<ApiVersionModel>,
    /// Operations, sorted by name.
    pub operations: Vec<OperationModel>,
    /// Shared types, sorted by name.
    pub types: Vec<TypeModel>,
    /// crates.io keywords.
    pub keywords: Vec<String>,
    /// crates.io category slugs.
    pub categories: Vec<String>,
    /// Example payload files, paths relative to `specs/`, sorted.
    pub example_files: Vec<String>,
}

/// A source document.
#[derive(Debug, Clone)]
pub struct SourceModel {
    /// Title.
    pub title: String,
    /// Path or URL.
    pub location: String,
}

/// Protocol and endpoint data.
#[derive(Debug)]
pub enum Protocol {
    /// Huawei REST.
    Huawei {
        /// `https://vpc.{region}.myhuaweicloud.com`.
        endpoint_template: String,
        /// Notes.
        docs: Vec<String>,
    },
    /// Alibaba RPC.
    Aliyun {
        /// `Ecs`.
        product: String,
        /// `2014-05-26`.
        version: String,
        /// `ecs{network}.{region}.aliyuncs.com`.
        endpoint_rule: String,
        /// Region → endpoint, sorted by region.
        endpoint_map: Vec<(String, String)>,
        /// Notes.
        docs: Vec<String>,
    },
}

impl Protocol {
    /// Whether this is the Alibaba RPC protocol.
    pub fn is_aliyun(&self) -> bool {
        matches!(self, Protocol::Aliyun { .. })
    }

    /// A region id of this protocol's cloud, for docs and examples.
    pub fn example_region(&self) -> &'static str {
        match self {
            Protocol::Huawei { .. } => "cn-north-4",
            Protocol::Aliyun { .. } => "cn-hangzhou",
        }
    }

    /// How this protocol's gateway rejects a request signed with a stale timestamp (the
    /// response the client's clock-skew correction reacts to), for docs.
    pub fn expired_timestamp_error(&self) -> &'static str {
        match self {
            Protocol::Huawei { .. } => "`APIGW.0301` (\"signature expired\")",
            Protocol::Aliyun { .. } => "`InvalidTimeStamp.Expired`",
        }
    }
}

/// `client.api_version`.
#[derive(Debug)]
pub struct ApiVersionModel {
    /// Enum docs.
    pub docs: Vec<String>,
    /// Default variant.
    pub default: String,
    /// Variants in spec order with their docs.
    pub values: Vec<(String, Vec<String>)>,
}

/// Documentation of an item: verbatim sentences plus an optional English translation.
#[derive(Debug, Clone, Default)]
pub struct DocText {
    /// Verbatim paragraphs.
    pub docs: Vec<String>,
    /// English translation paragraphs.
    pub translation: Vec<String>,
}

/// A divergence note with its source title resolved.
#[derive(Debug, Clone)]
pub struct DivergenceModel {
    /// Source title.
    pub source: String,
    /// The note.
    pub note: String,
}

/// An operation.
#[derive(Debug)]
pub struct OperationModel {
    /// `ShowSecurityGroup`.
    pub name: String,
    /// `show_security_group`.
    pub snake: String,
    /// Document title.
    pub title: String,
    /// Description.
    pub doc: DocText,
    /// Source title.
    pub source: String,
    /// HTTP method (Huawei).
    pub method: String,
    /// URI templates: one with `None`, or one per API version.
    pub uris: Vec<(Option<String>, Vec<UriPart>)>,
    /// Request parameters in spec order.
    pub members: Vec<MemberModel>,
    /// Response body.
    pub output: StructModel,
    /// Documented errors in spec order.
    pub errors: Vec<ErrorModel>,
    /// Notes on where the errors come from.
    pub errors_docs: Vec<String>,
    /// Example requests.
    pub example_requests: Vec<(Option<String>, String)>,
}

/// A piece of a URI template.
#[derive(Debug, Clone)]
pub enum UriPart {
    /// Literal text.
    Literal(String),
    /// `{project_id}`, filled by the client.
    ProjectId,
    /// `{name}`, a user path parameter (index into `members`).
    Param(usize),
}

/// Scalar types of request parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `String`.
    String,
    /// `i32`.
    Integer,
    /// `i64`.
    Long,
    /// `bool`.
    Boolean,
}

/// A request parameter.
#[derive(Debug)]
pub struct MemberModel {
    /// Wire name.
    pub wire_name: String,
    /// Rust field name (unescaped; `names::ident` escapes).
    pub rust_name: String,
    /// Name of the append method for lists.
    pub item_setter: Option<String>,
    /// Location.
    pub location: ParamLocation,
    /// Scalar type (of the items, for lists).
    pub scalar: Scalar,
    /// Whether it is a list.
    pub list: bool,
    /// List serialization.
    pub list_style: Option<ListStyle>,
    /// Documented as mandatory.
    pub required: bool,
    /// Filled by the client, not the user.
    pub client_filled: bool,
    /// Fixed value (client-filled).
    pub value: Option<String>,
    /// `send()` fills it from the client's region when unset.
    pub default_client_region: bool,
    /// Documented name (`SecurityGroupId.N`).
    pub documented_name: Option<String>,
    /// Documented type.
    pub documented_type: Option<String>,
    /// Constraints.
    pub min_length: Option<u64>,
    /// Constraints.
    pub max_length: Option<u64>,
    /// Constraints.
    pub min_items: Option<u64>,
    /// Constraints.
    pub max_items: Option<u64>,
    /// Constraints.
    pub min: Option<i64>,
    /// Constraints.
    pub max: Option<i64>,
    /// Constraints.
    pub allowed: Vec<String>,
    /// Description.
    pub doc: DocText,
    /// Example value.
    pub example: Option<String>,
    /// Source title when not the operation's.
    pub source: Option<String>,
    /// Divergences.
    pub divergences: Vec<DivergenceModel>,
}

/// A type reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `i32`.
    Integer,
    /// `i64`.
    Long,
    /// `bool`.
    Boolean,
    /// A shared type (struct or enum).
    Named(String),
    /// `Vec<T>`.
    List(Box<TypeRef>),
}

impl TypeRef {
    /// Parses `string`, `integer`, `long`, `boolean`, `list<T>` or a type name.
    pub fn parse(s: &str) -> Option<TypeRef> {
        let s = s.trim();
        Some(match s {
            "string" => TypeRef::String,
            "integer" => TypeRef::Integer,
            "long" => TypeRef::Long,
            "boolean" => TypeRef::Boolean,
            _ => {
                if let Some(inner) = s.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
                    TypeRef::List(Box::new(TypeRef::parse(inner)?))
                } else if names::is_upper_camel(s) {
                    TypeRef::Named(s.to_string())
                } else {
                    return None;
                }
            }
        })
    }

    /// Whether this is a list.
    pub fn is_list(&self) -> bool {
        matches!(self, TypeRef::List(_))
    }
}

/// A response structure (shared type or operation output).
#[derive(Debug)]
pub struct StructModel {
    /// Rust name.
    pub name: String,
    /// Description.
    pub doc: DocText,
    /// The document's name for it.
    pub documented_name: Option<String>,
    /// Source title when not the primary document.
    pub source: Option<String>,
    /// XML root element (outputs of Alibaba operations).
    pub xml_root: Option<String>,
    /// Fields in spec order.
    pub fields: Vec<FieldModel>,
    /// Divergences.
    pub divergences: Vec<DivergenceModel>,
    /// Whether `Default` can be derived (every field is `Option`, `Vec` or defaulted).
    pub default: bool,
}

/// A response field.
#[derive(Debug)]
pub struct FieldModel {
    /// Wire name.
    pub wire_name: String,
    /// Rust name (unescaped).
    pub rust_name: String,
    /// Type.
    pub ty: TypeRef,
    /// Presence.
    pub presence: Presence,
    /// Accepted alternative wire names.
    pub aliases: Vec<String>,
    /// Wrapped-list item key.
    pub item_key: Option<String>,
    /// Decoding leniency.
    pub decode: Option<Decode>,
    /// Documented type.
    pub documented_type: Option<String>,
    /// Documented mandatory flag.
    pub documented_mandatory: Option<bool>,
    /// Example value.
    pub example: Option<String>,
    /// Description.
    pub doc: DocText,
    /// Source title when not the primary document.
    pub source: Option<String>,
    /// Divergences.
    pub divergences: Vec<DivergenceModel>,
    /// Whether the struct's builder can fill the field when it was not set (lists, `Option`s,
    /// defaulted fields and required fields of a type with `Default`).
    pub defaultable: bool,
    /// The builder's appending setter for a list field (`security_group_rules` →
    /// `security_group_rule`).
    pub item_setter: Option<String>,
}

/// A string enum.
#[derive(Debug)]
pub struct EnumModel {
    /// Rust name.
    pub name: String,
    /// Description.
    pub doc: DocText,
    /// The document's name for it.
    pub documented_name: Option<String>,
    /// Source title when not the primary document.
    pub source: Option<String>,
    /// `(wire value, variant name, docs)` in spec order.
    pub values: Vec<(String, String, DocText)>,
    /// Divergences.
    pub divergences: Vec<DivergenceModel>,
}

/// A shared type.
#[derive(Debug)]
pub enum TypeModel {
    /// Structure.
    Struct(StructModel),
    /// Enum.
    Enum(EnumModel),
}

impl TypeModel {
    /// Rust name.
    pub fn name(&self) -> &str {
        match self {
            TypeModel::Struct(s) => &s.name,
            TypeModel::Enum(e) => &e.name,
        }
    }
}

/// A documented error.
#[derive(Debug)]
pub struct ErrorModel {
    /// Variant name.
    pub name: String,
    /// `is_<snake>` helper name.
    pub snake: String,
    /// HTTP status.
    pub status: u16,
    /// Error code (matched when present).
    pub code: Option<String>,
    /// Documented message.
    pub message: Option<String>,
    /// Description.
    pub doc: DocText,
    /// Source title when not the operation's.
    pub source: Option<String>,
}

fn doc(docs: &[String], translation: &[String]) -> DocText {
    DocText {
        docs: docs.to_vec(),
        translation: translation.to_vec(),
    }
}

struct Resolver<'a> {
    spec: &'a SpecFile,
}

impl Resolver<'_> {
    fn title(&self, key: &str) -> String {
        self.spec
            .sources
            .get(key)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| key.to_string())
    }

    fn source_if_not(
        &self,
        source: &Option<load::Spanned<String>>,
        default: &str,
    ) -> Option<String> {
        source
            .as_ref()
            .filter(|s| s.value != default)
            .map(|s| self.title(&s.value))
    }

    fn divergences(&self, list: &[load::Divergence]) -> Vec<DivergenceModel> {
        list.iter()
            .map(|d| DivergenceModel {
                source: self.title(&d.source.value),
                note: d.note.clone(),
            })
            .collect()
    }

    fn field(&self, wire: &str, f: &Field, default_source: &str) -> FieldModel {
        FieldModel {
            wire_name: wire.to_string(),
            rust_name: f
                .rust_name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| names::snake(wire)),
            ty: TypeRef::parse(&f.ty.value).expect("validated type"),
            presence: f.presence,
            aliases: f.aliases.clone(),
            item_key: f.item_key.clone(),
            decode: f.decode,
            documented_type: f.documented_type.clone(),
            documented_mandatory: f.documented_mandatory,
            example: f.example.clone(),
            doc: doc(&f.docs, &f.translation),
            source: self.source_if_not(&f.source, default_source),
            divergences: self.divergences(&f.divergences),
            defaultable: false,
            item_setter: None,
        }
    }

    fn fields(&self, fields: &load::NamedMap<Field>, default_source: &str) -> Vec<FieldModel> {
        let mut out: Vec<FieldModel> = fields
            .iter()
            .map(|(k, f)| self.field(&k.value, f, default_source))
            .collect();
        let taken: Vec<String> = out.iter().map(|f| f.rust_name.clone()).collect();
        for f in &mut out {
            if f.ty.is_list() {
                f.item_setter = Some(item_setter(&f.rust_name, &taken));
            }
        }
        out
    }
}

/// The appending setter of a list field: the singular of its name (`rules` → `rule`), or
/// `push_<name>` when there is no plain plural or the singular names another field.
fn item_setter(rust_name: &str, taken: &[String]) -> String {
    let singular = rust_name
        .strip_suffix('s')
        .filter(|s| !s.is_empty() && !s.ends_with('s') && !s.ends_with('_'));
    match singular {
        Some(s) if !taken.iter().any(|t| t == s) => s.to_string(),
        _ => format!("push_{rust_name}"),
    }
}

/// Marks the fields a builder can fill when unset and returns whether all of them can (then
/// the struct derives `Default` and its builder cannot fail).
fn mark_defaultable(s: &mut StructModel, defaultable: &dyn Fn(&str) -> bool) -> bool {
    for f in &mut s.fields {
        f.defaultable = field_has_default(f, defaultable);
    }
    s.fields.iter().all(|f| f.defaultable)
}

/// Whether a field can take part in a derived `Default`.
fn field_has_default(f: &FieldModel, defaultable: &dyn Fn(&str) -> bool) -> bool {
    match f.presence {
        Presence::Nullable | Presence::Optional | Presence::Default => true,
        Presence::Required => match &f.ty {
            TypeRef::List(_) => true,
            TypeRef::Named(n) => defaultable(n),
            _ => false,
        },
    }
}

/// Resolves a validated spec. `spec_file` is the path for the `@generated` header.
pub fn resolve(spec_file: &str, spec: &SpecFile) -> Model {
    let r = Resolver { spec };
    let primary = spec.krate.source.value.clone();

    let mut types: Vec<TypeModel> = spec
        .types
        .iter()
        .map(|(name, t)| r.shared_type(&name.value, t, &primary))
        .collect();
    types.sort_by(|a, b| a.name().cmp(b.name()));
    mark_default_structs(&mut types);

    let defaultable_names: Vec<String> = types
        .iter()
        .filter_map(|t| match t {
            TypeModel::Struct(s) if s.default => Some(s.name.clone()),
            _ => None,
        })
        .collect();
    let defaultable_type = |n: &str| defaultable_names.iter().any(|d| d == n);

    let mut operations: Vec<OperationModel> = spec
        .operations
        .iter()
        .map(|(name, op)| r.operation(&name.value, op, &primary, &defaultable_type))
        .collect();
    operations.sort_by(|a, b| a.name.cmp(&b.name));

    Model {
        spec_file: spec_file.to_string(),
        crate_name: spec.krate.name.value.clone(),
        crate_ident: names::crate_ident(&spec.krate.name.value),
        description: spec.krate.description.clone(),
        docs: spec.krate.docs.clone(),
        sources: r.sources(),
        primary_source: primary,
        protocol: protocol(&spec.service),
        api_version: api_version(spec),
        operations,
        types,
        keywords: spec.krate.keywords.clone(),
        categories: spec.krate.categories.clone(),
        example_files: example_files(spec),
    }
}

/// The service's protocol and endpoint data (the Alibaba endpoint map sorted by region).
fn protocol(service: &Service) -> Protocol {
    match service {
        Service::Huawei(h) => Protocol::Huawei {
            endpoint_template: h.endpoint_template.value.clone(),
            docs: h.docs.clone(),
        },
        Service::Aliyun(a) => {
            let mut map: Vec<(String, String)> = a
                .endpoint_map
                .iter()
                .map(|(k, v)| (k.value.clone(), v.clone()))
                .collect();
            map.sort();
            Protocol::Aliyun {
                product: a.product.clone(),
                version: a.version.clone(),
                endpoint_rule: a.endpoint_rule.value.clone(),
                endpoint_map: map,
                docs: a.docs.clone(),
            }
        }
    }
}

/// `client.api_version`, when the spec has one.
fn api_version(spec: &SpecFile) -> Option<ApiVersionModel> {
    spec.client
        .as_ref()
        .and_then(|c| c.api_version.as_ref())
        .map(|v| ApiVersionModel {
            docs: v.docs.clone(),
            default: v.default.value.clone(),
            values: v
                .values
                .iter()
                .map(|(k, val)| (k.value.clone(), val.docs.clone()))
                .collect(),
        })
}

/// The example payload files, sorted.
fn example_files(spec: &SpecFile) -> Vec<String> {
    let mut files: Vec<String> = spec
        .examples
        .iter()
        .map(|(_, e)| e.file.value.clone())
        .collect();
    files.sort();
    files
}

/// Decides which structs can derive `Default`: iterates to a fixed point (types may nest).
fn mark_default_structs(types: &mut [TypeModel]) {
    loop {
        let known: BTreeMap<String, bool> = types
            .iter()
            .map(|t| match t {
                TypeModel::Struct(s) => (s.name.clone(), s.default),
                TypeModel::Enum(e) => (e.name.clone(), false),
            })
            .collect();
        let lookup = |n: &str| known.get(n).copied().unwrap_or(false);
        let mut changed = false;
        for t in types.iter_mut() {
            if let TypeModel::Struct(s) = t {
                let d = mark_defaultable(s, &lookup);
                if d != s.default {
                    s.default = d;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Splits a validated URI template into literals and parameters (indices into `members`).
fn parse_uri(template: &str, members: &[MemberModel]) -> Vec<UriPart> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            parts.push(UriPart::Literal(rest[..start].to_string()));
        }
        let end = rest[start..].find('}').expect("validated uri") + start;
        let name = &rest[start + 1..end];
        let idx = members
            .iter()
            .position(|m| m.wire_name == name)
            .expect("validated uri parameter");
        if members[idx].client_filled {
            parts.push(UriPart::ProjectId);
        } else {
            parts.push(UriPart::Param(idx));
        }
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(UriPart::Literal(rest.to_string()));
    }
    parts
}

/// The URI templates of an operation: one, or one per API version (none for Alibaba RPC).
fn uri_templates(
    http: Option<&load::Http>,
    members: &[MemberModel],
) -> Vec<(Option<String>, Vec<UriPart>)> {
    let Some(http) = http else {
        return Vec::new();
    };
    if let Some(uri) = &http.uri {
        vec![(None, parse_uri(&uri.value, members))]
    } else {
        http.uris
            .iter()
            .map(|(v, uri)| (Some(v.value.clone()), parse_uri(&uri.value, members)))
            .collect()
    }
}

impl Resolver<'_> {
    /// Every source by key.
    fn sources(&self) -> BTreeMap<String, SourceModel> {
        self.spec
            .sources
            .iter()
            .map(|(k, s)| {
                (
                    k.value.clone(),
                    SourceModel {
                        title: s.title.clone(),
                        location: s.location.clone(),
                    },
                )
            })
            .collect()
    }

    /// A shared type; `Default` is decided later, once every type is known.
    fn shared_type(&self, name: &str, t: &load::TypeDef, primary: &str) -> TypeModel {
        match t.kind {
            TypeKind::Struct => TypeModel::Struct(StructModel {
                name: name.to_string(),
                doc: doc(&t.docs, &t.translation),
                documented_name: t.documented_name.clone(),
                source: self.source_if_not(&t.source, primary),
                xml_root: None,
                fields: self.fields(
                    &t.fields,
                    t.source
                        .as_ref()
                        .map(|s| s.value.as_str())
                        .unwrap_or(primary),
                ),
                divergences: self.divergences(&t.divergences),
                default: false,
            }),
            TypeKind::Enum => TypeModel::Enum(EnumModel {
                name: name.to_string(),
                doc: doc(&t.docs, &t.translation),
                documented_name: t.documented_name.clone(),
                source: self.source_if_not(&t.source, primary),
                values: t
                    .values
                    .iter()
                    .map(|(wire, v)| {
                        (
                            wire.value.clone(),
                            v.rust_name
                                .as_ref()
                                .map(|n| n.value.clone())
                                .unwrap_or_else(|| names::variant(&wire.value)),
                            doc(&v.docs, &v.translation),
                        )
                    })
                    .collect(),
                divergences: self.divergences(&t.divergences),
            }),
        }
    }

    /// An operation; `defaultable_type` tells which shared structs derive `Default`.
    fn operation(
        &self,
        name: &str,
        op: &load::Operation,
        primary: &str,
        defaultable_type: &dyn Fn(&str) -> bool,
    ) -> OperationModel {
        let op_source = op
            .source
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or(primary.to_string());
        let members: Vec<MemberModel> = op
            .input
            .iter()
            .map(|(wire, m)| self.member(&wire.value, m, &op_source))
            .collect();
        // Alibaba RPC calls are POSTs.
        let method = op
            .http
            .as_ref()
            .map_or_else(|| "POST".to_string(), |h| h.method.value.clone());
        let uris = uri_templates(op.http.as_ref(), &members);

        let mut output = StructModel {
            name: format!("{name}Output"),
            doc: doc(&op.output.docs, &op.output.translation),
            documented_name: None,
            source: None,
            xml_root: op.output.xml_root.clone(),
            fields: self.fields(&op.output.fields, &op_source),
            divergences: Vec::new(),
            default: false,
        };
        output.default = mark_defaultable(&mut output, defaultable_type);

        OperationModel {
            name: name.to_string(),
            snake: names::snake(name),
            title: op.title.clone(),
            doc: doc(&op.docs, &op.translation),
            source: self.title(&op_source),
            method,
            uris,
            members,
            output,
            errors: op
                .errors
                .iter()
                .map(|(n, e)| self.error(&n.value, e, &op_source))
                .collect(),
            errors_docs: op.errors_docs.clone(),
            example_requests: op
                .example_requests
                .iter()
                .map(|e| (e.description.clone(), e.text.clone()))
                .collect(),
        }
    }

    /// A request parameter (its type was validated).
    fn member(&self, wire: &str, m: &load::Member, op_source: &str) -> MemberModel {
        let ty = TypeRef::parse(&m.ty.value).expect("validated member type");
        let (list, inner) = match ty {
            TypeRef::List(inner) => (true, *inner),
            other => (false, other),
        };
        let scalar = match inner {
            TypeRef::String => Scalar::String,
            TypeRef::Integer => Scalar::Integer,
            TypeRef::Long => Scalar::Long,
            TypeRef::Boolean => Scalar::Boolean,
            _ => unreachable!("validated member type"),
        };
        let base = names::snake(wire);
        let rust_name = m
            .rust_name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| {
                if list {
                    format!("{base}s")
                } else {
                    base.clone()
                }
            });
        MemberModel {
            wire_name: wire.to_string(),
            rust_name,
            item_setter: list.then(|| {
                m.item_setter
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or(base.clone())
            }),
            location: m.location,
            scalar,
            list,
            list_style: m.list_style,
            required: m.required,
            client_filled: m.filled_by == Some(FilledBy::Client),
            value: m.value.clone(),
            default_client_region: m.default == Some(MemberDefault::ClientRegion),
            documented_name: m.documented_name.clone(),
            documented_type: m.documented_type.clone(),
            min_length: m.constraints.min_length,
            max_length: m.constraints.max_length,
            min_items: m.constraints.min_items,
            max_items: m.constraints.max_items,
            min: m.constraints.min,
            max: m.constraints.max,
            allowed: m.constraints.allowed.clone(),
            doc: doc(&m.docs, &m.translation),
            example: m.example.clone(),
            source: self.source_if_not(&m.source, op_source),
            divergences: self.divergences(&m.divergences),
        }
    }

    /// A documented error of an operation.
    fn error(&self, name: &str, e: &load::ErrorDef, op_source: &str) -> ErrorModel {
        ErrorModel {
            name: name.to_string(),
            snake: names::snake(name),
            status: e.status.value,
            code: e.code.clone(),
            message: e.message.clone(),
            doc: doc(&e.docs, &e.translation),
            source: self.source_if_not(&e.source, op_source),
        }
    }
}
