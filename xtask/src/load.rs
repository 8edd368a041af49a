//! Stage 1, **load**: YAML text → [`SpecFile`] (the raw, unvalidated spec).
//!
//! Every struct denies unknown fields and the YAML parser refuses duplicate keys, so typos in a
//! hand-transcribed spec are errors rather than silently ignored data. Names and type references
//! that later stages check are kept as [`Spanned`] so their errors point at `file:line:column`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
pub use serde_saphyr::Spanned;

use crate::diag::{Diagnostic, Diagnostics};

/// Parses one spec file. `file` is the path used in error messages.
pub fn load(file: &str, text: &str) -> Result<SpecFile, Diagnostics> {
    serde_saphyr::from_str::<SpecFile>(text).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let plain = err.without_snippet().to_string();
        // serde-saphyr appends " at line L, column C" to the plain message; we print the
        // location as a `file:line:column` prefix instead.
        let suffix = format!(" at line {line}, column {column}");
        let message = plain.strip_suffix(&suffix).unwrap_or(&plain);
        // The parser's hint is about its API, not about the spec.
        let message = message
            .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
            .to_string();
        Diagnostics(vec![Diagnostic {
            file: file.to_string(),
            line,
            column,
            message,
        }])
    })
}

/// A YAML mapping whose keys are names, kept in file order with the key's location.
///
/// (A `BTreeMap<Spanned<String>, _>` is not possible: `Spanned` is not `Ord`.) Duplicate keys are
/// already refused by the YAML parser.
#[derive(Debug)]
pub struct NamedMap<T>(pub Vec<(Spanned<String>, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<T> NamedMap<T> {
    /// Iterates over `(name, value)` pairs in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<String>, &T)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Looks a value up by name.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k.value == name).map(|(_, v)| v)
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NamedMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = NamedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from names to definitions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(NamedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// The root of a spec file (`specs/<crate>.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Spec format version; must be `1`.
    pub format: Spanned<u32>,
    /// The crate to generate.
    #[serde(rename = "crate")]
    pub krate: CrateSpec,
    /// Documents the spec was transcribed from, referenced by `source:` elsewhere.
    pub sources: NamedMap<Source>,
    /// Protocol and endpoint data.
    pub service: Service,
    /// Client-level settings (optional).
    #[serde(default)]
    pub client: Option<ClientSpec>,
    /// Operations, keyed by operation (action) name.
    pub operations: NamedMap<Operation>,
    /// Shared model types, keyed by Rust type name.
    #[serde(default)]
    pub types: NamedMap<TypeDef>,
    /// Example payloads stored beside the spec, keyed by example name.
    #[serde(default)]
    pub examples: NamedMap<Example>,
}

/// `crate:`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateSpec {
    /// Package name; must equal the spec file name (without `.yaml`).
    pub name: Spanned<String>,
    /// One-line package description (Cargo.toml `description`, first line of the crate docs).
    pub description: String,
    /// Crate-level documentation paragraphs (CommonMark).
    #[serde(default)]
    pub docs: Vec<String>,
    /// Language of the source document(s): `en` (default) or `zh-CN`. With `zh-CN`, every
    /// `docs:` must be accompanied by an English `translation:`.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    /// The primary source document (a key of `sources:`); the default `source:` of every item.
    pub source: Spanned<String>,
    /// crates.io keywords (at most 5; lower-case letters, digits, `-`, `_`; at most 20 chars).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// crates.io category slugs (at most 5).
    #[serde(default)]
    pub categories: Vec<String>,
}

/// One source document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Human-readable title.
    pub title: String,
    /// Path (relative to the repository's parent, e.g. `shared/seeds/...`) or URL.
    pub location: String,
    /// Free-form notes about the source (its date, known errors, ...).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// `service:`, one of the two protocols the core implements.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Service {
    /// Huawei Cloud REST/JSON with `SDK-HMAC-SHA256`.
    #[serde(rename = "huawei")]
    Huawei(HuaweiService),
    /// Alibaba Cloud RPC with `ACS3-HMAC-SHA256` / HMAC-SHA1.
    #[serde(rename = "aliyun")]
    Aliyun(AliyunService),
}

/// `service: huawei:`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiService {
    /// Endpoint template with `{region}`, e.g. `https://vpc.{region}.myhuaweicloud.com`.
    pub endpoint_template: Spanned<String>,
    /// Where the endpoint data comes from (a key of `sources:`).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// Notes about the endpoint (regions, overrides).
    #[serde(default)]
    pub docs: Vec<String>,
}

/// `service: aliyun:`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunService {
    /// Product code, e.g. `Ecs`.
    pub product: String,
    /// API version, e.g. `2014-05-26`.
    pub version: String,
    /// Endpoint rule with `{network}` and `{region}`.
    pub endpoint_rule: Spanned<String>,
    /// Regions whose endpoint does not follow the rule.
    #[serde(default)]
    pub endpoint_map: NamedMap<String>,
    /// Where the endpoint data comes from (a key of `sources:`).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// Notes about the endpoint.
    #[serde(default)]
    pub docs: Vec<String>,
}

/// `client:`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// A client-level API version that selects among the operations' `uris:`.
    #[serde(default)]
    pub api_version: Option<ApiVersionSpec>,
}

/// `client: api_version:`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiVersionSpec {
    /// Documentation of the enum.
    #[serde(default)]
    pub docs: Vec<String>,
    /// The default value (a key of `values:`).
    pub default: Spanned<String>,
    /// Values, keyed by Rust variant name.
    pub values: NamedMap<ApiVersionValue>,
}

/// One API version value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiVersionValue {
    /// Documentation of the variant.
    #[serde(default)]
    pub docs: Vec<String>,
}

/// A place where the document and the real service disagree.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    /// Where the real behaviour is documented (a key of `sources:`).
    pub source: Spanned<String>,
    /// What differs, and what the SDK does about it.
    pub note: String,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// The document's title for the operation.
    pub title: String,
    /// Description paragraphs: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// Source document (defaults to `crate.source`).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// HTTP binding (Huawei REST only).
    #[serde(default)]
    pub http: Option<Http>,
    /// Request parameters.
    #[serde(default)]
    pub input: NamedMap<Member>,
    /// The 2xx response body.
    pub output: OutputSpec,
    /// Documented errors, keyed by Rust variant name.
    #[serde(default)]
    pub errors: NamedMap<ErrorDef>,
    /// Where the documented errors come from, when that is not the operation's own table.
    #[serde(default)]
    pub errors_docs: Vec<String>,
    /// The document's example requests, verbatim.
    #[serde(default)]
    pub example_requests: Vec<ExampleRequest>,
}

/// `http:` of a Huawei operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    /// HTTP method (`GET`, `POST`, ...).
    pub method: Spanned<String>,
    /// URI template; `{name}` refers to a path member.
    #[serde(default)]
    pub uri: Option<Spanned<String>>,
    /// URI templates per client API version (instead of `uri`).
    #[serde(default)]
    pub uris: NamedMap<Spanned<String>>,
}

/// Where a request parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    /// A `{name}` segment of the URI.
    Path,
    /// A query-string parameter (Huawei) or an RPC parameter (Alibaba).
    Query,
    /// An HTTP header.
    Header,
}

/// Who fills a parameter in when the user does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilledBy {
    /// The user, through the fluent builder (the default).
    User,
    /// The client (Huawei `project_id`, Alibaba `Action`); not part of the input type.
    Client,
}

/// A default a user-filled parameter takes from the client when it is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberDefault {
    /// The client's region (Alibaba `RegionId`, as the official SDKs fill it in).
    ClientRegion,
}

/// How a list parameter is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStyle {
    /// Alibaba `RepeatList`: `Name.1=a&Name.2=b`.
    RepeatList,
    /// Repeated `name=a&name=b` pairs.
    Repeated,
}

/// A request parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Where the value goes.
    pub location: ParamLocation,
    /// `string`, `integer`, `long`, `boolean` or `list<string>`.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Whether the document marks it mandatory.
    pub required: bool,
    /// Who provides the value (default `user`).
    #[serde(default)]
    pub filled_by: Option<FilledBy>,
    /// The parameter's name in the document, when it differs from the key (e.g. `SecurityGroupId.N`).
    #[serde(default)]
    pub documented_name: Option<String>,
    /// The document's type column, verbatim.
    #[serde(default)]
    pub documented_type: Option<String>,
    /// Rust field name (default: the key in snake_case; lists get an `s`).
    #[serde(default)]
    pub rust_name: Option<Spanned<String>>,
    /// For lists: name of the fluent method that appends one item (default: the key in snake_case).
    #[serde(default)]
    pub item_setter: Option<Spanned<String>>,
    /// Serialization of a list.
    #[serde(default)]
    pub list_style: Option<ListStyle>,
    /// Client-side constraints, enforced before anything is sent.
    #[serde(default)]
    pub constraints: Constraints,
    /// Description: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// The document's example value.
    #[serde(default)]
    pub example: Option<String>,
    /// Fixed value for client-filled parameters (e.g. the action name).
    #[serde(default)]
    pub value: Option<String>,
    /// Where `send()` takes the value from when the user did not set it.
    #[serde(default)]
    pub default: Option<MemberDefault>,
    /// Source document (defaults to the operation's).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// Notes on where the real service differs from the document.
    #[serde(default)]
    pub divergences: Vec<Divergence>,
}

/// Client-side constraints of a request parameter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Minimum length in characters (a path parameter needs at least 1).
    #[serde(default)]
    pub min_length: Option<u64>,
    /// Maximum length in characters.
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Minimum number of list items.
    #[serde(default)]
    pub min_items: Option<u64>,
    /// Maximum number of list items.
    #[serde(default)]
    pub max_items: Option<u64>,
    /// Minimum numeric value.
    #[serde(default)]
    pub min: Option<i64>,
    /// Maximum numeric value.
    #[serde(default)]
    pub max: Option<i64>,
    /// Closed set of allowed values.
    #[serde(default)]
    pub allowed: Vec<String>,
}

/// `output:` of an operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Description of the response body: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// Root XML element name (Alibaba).
    #[serde(default)]
    pub xml_root: Option<String>,
    /// Response body fields, keyed by wire name.
    pub fields: NamedMap<Field>,
}

/// How a response field may appear on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Always present, never `null` → `T`.
    Required,
    /// Always present, may be `null` → `Option<T>`, written as `null`.
    Nullable,
    /// May be absent (or `null`) → `Option<T>`, skipped when `None`.
    Optional,
    /// May be absent or `null`; decodes to `T::default()`; always written.
    Default,
}

/// How a field's value is decoded beyond its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decode {
    /// A string field that also accepts a JSON number (kept as its decimal text).
    StringOrNumber,
}

/// A field of a response structure.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// `string`, `integer`, `long`, `boolean`, a type name, or `list<...>`.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Wire presence.
    pub presence: Presence,
    /// Rust field name (default: the wire name in snake_case, keywords escaped).
    #[serde(default)]
    pub rust_name: Option<Spanned<String>>,
    /// Other wire names accepted when decoding (never written).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// For lists: the real wire wraps the array in an object keyed by this name
    /// (Alibaba `{"Items": {"Item": [...]}}`, XML `<Items><Item/>...</Items>`).
    #[serde(default)]
    pub item_key: Option<String>,
    /// Extra decoding leniency.
    #[serde(default)]
    pub decode: Option<Decode>,
    /// The document's type column, verbatim.
    #[serde(default)]
    pub documented_type: Option<String>,
    /// The document's "Mandatory" column, when it has one.
    #[serde(default)]
    pub documented_mandatory: Option<bool>,
    /// The document's example value, verbatim.
    #[serde(default)]
    pub example: Option<String>,
    /// Description: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// Where the field comes from when not from the primary document (e.g. official SDK models).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// Notes on where the real service differs from the document.
    #[serde(default)]
    pub divergences: Vec<Divergence>,
}

/// A documented error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDef {
    /// HTTP status.
    pub status: Spanned<u16>,
    /// Error code; without one the variant matches on the status alone.
    #[serde(default)]
    pub code: Option<String>,
    /// The documented message, verbatim.
    #[serde(default)]
    pub message: Option<String>,
    /// Description: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// Source document (defaults to the operation's).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
}

/// An example request from the document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleRequest {
    /// What the example shows.
    #[serde(default)]
    pub description: Option<String>,
    /// The request, verbatim.
    pub text: String,
}

/// Kind of a shared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    /// A structure with fields.
    Struct,
    /// A string enum (open: unknown values are kept).
    Enum,
}

/// A shared model type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// Structure or enum.
    pub kind: TypeKind,
    /// The document's name for it (table title).
    #[serde(default)]
    pub documented_name: Option<String>,
    /// Description: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
    /// Source document (defaults to `crate.source`).
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    /// Fields of a structure, keyed by wire name.
    #[serde(default)]
    pub fields: NamedMap<Field>,
    /// Values of an enum, keyed by wire value.
    #[serde(default)]
    pub values: NamedMap<EnumValue>,
    /// Notes on where the real service differs from the document.
    #[serde(default)]
    pub divergences: Vec<Divergence>,
}

/// One enum value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// Rust variant name (default: the wire value in UpperCamelCase).
    #[serde(default)]
    pub rust_name: Option<Spanned<String>>,
    /// Description: verbatim sentences from the source document, one paragraph per entry.
    #[serde(default)]
    pub docs: Vec<String>,
    /// English translation of `docs` (required when the document is not in English).
    #[serde(default)]
    pub translation: Vec<String>,
}

/// Payload format of an example file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExampleFormat {
    /// JSON.
    Json,
    /// XML.
    Xml,
}

/// Whether an example is the document's or the real service's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExampleShape {
    /// Verbatim from the document.
    Documented,
    /// What the real service sends (from research or official SDK models).
    Wire,
}

/// An example payload stored beside the spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The operation whose response this is.
    pub operation: Spanned<String>,
    /// Path relative to `specs/`.
    pub file: Spanned<String>,
    /// Payload format.
    pub format: ExampleFormat,
    /// Documented or wire shape.
    pub shape: ExampleShape,
    /// Where it comes from (a key of `sources:`).
    pub source: Spanned<String>,
    /// What the example shows.
    pub description: String,
    /// Another example that describes the same data (they must decode to equal values).
    #[serde(default)]
    pub same_data_as: Option<Spanned<String>>,
}
