//! Stage 2, **validate**: semantic checks that the YAML schema cannot express.
//!
//! Every problem is reported (not just the first), each with the `file:line:column` of the name
//! or type reference at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::{Diagnostics, Sink};
use crate::load::{
    Decode, Field, FilledBy, Http, ListStyle, Member, NamedMap, Operation, ParamLocation, Presence,
    Service, Spanned, SpecFile, TypeDef, TypeKind,
};
use crate::model::TypeRef;
use crate::names;

/// Names the generator itself defines in a crate; shared types must not reuse them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Credentials",
    "SdkError",
    "BuildError",
    "ApiVersion",
    "SignatureAlgorithm",
    "Format",
    "ErrorMetadata",
];

/// Fluent-builder methods a member must not shadow.
const RESERVED_METHODS: &[&str] = &["send", "as_input", "build", "new", "builder"];

/// Validates `spec`. `file` is the path used in messages; `spec_dir` (when given) is the
/// directory the spec lives in, used to check that example files exist.
pub fn validate(file: &str, spec: &SpecFile, spec_dir: Option<&Path>) -> Result<(), Diagnostics> {
    let mut v = Validator {
        sink: Sink::new(file),
        spec,
        defaultable: BTreeSet::new(),
        zh: false,
        huawei: matches!(spec.service, Service::Huawei(_)),
        api_versions: None,
        type_kinds: BTreeMap::new(),
    };
    v.run(file, spec_dir);
    v.sink.finish()
}

struct Validator<'a> {
    sink: Sink,
    spec: &'a SpecFile,
    /// Structs that can derive `Default`.
    defaultable: BTreeSet<String>,
    /// Whether the documents are in Chinese (`crate.language: zh-CN`).
    zh: bool,
    /// Whether the service speaks the Huawei protocol.
    huawei: bool,
    /// The names of `client.api_version.values`, when the client has one.
    api_versions: Option<Vec<String>>,
    /// Every shared type's kind by name.
    type_kinds: BTreeMap<String, TypeKind>,
}

/// Structs whose every field is `Option`, a list or defaulted, so they can derive `Default`.
fn defaultable_structs(spec: &SpecFile) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    loop {
        let mut changed = false;
        for (name, t) in spec.types.iter() {
            if t.kind != TypeKind::Struct || set.contains(&name.value) {
                continue;
            }
            let all = t.fields.iter().all(|(_, f)| match f.presence {
                Presence::Nullable | Presence::Optional | Presence::Default => true,
                Presence::Required => match TypeRef::parse(&f.ty.value) {
                    Some(TypeRef::List(_)) => true,
                    Some(TypeRef::Named(n)) => set.contains(&n),
                    _ => false,
                },
            });
            if all {
                set.insert(name.value.clone());
                changed = true;
            }
        }
        if !changed {
            return set;
        }
    }
}

impl Validator<'_> {
    /// crates.io limits on `crate.keywords` and `crate.categories`.
    fn package_metadata(&mut self) {
        let krate = &self.spec.krate;
        if krate.keywords.len() > 5 || krate.categories.len() > 5 {
            self.sink.error(
                &krate.name,
                "crates.io takes at most 5 `keywords` and 5 `categories`",
            );
        }
        for k in &krate.keywords {
            let ok = !k.is_empty()
                && k.len() <= 20
                && k.starts_with(|c: char| c.is_ascii_alphanumeric())
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !ok {
                self.sink.error(
                    &krate.name,
                    format!(
                        "invalid keyword `{k}`: at most 20 lower-case ASCII letters, digits, `-` or `_`"
                    ),
                );
            }
        }
    }

    fn run(&mut self, file: &str, spec_dir: Option<&Path>) {
        let spec = self.spec;
        if spec.format.value != 1 {
            self.sink.error(
                &spec.format,
                format!(
                    "unsupported spec format {} (this generator reads format 1)",
                    spec.format.value
                ),
            );
        }
        self.crate_name(file);
        self.source_ref(&spec.krate.source);
        self.package_metadata();
        self.zh = self.language();
        self.service();
        self.api_versions = self.api_version();
        self.type_names();
        self.defaultable = defaultable_structs(spec);
        for (tname, t) in spec.types.iter() {
            self.shared_type(tname, t);
        }
        if spec.operations.is_empty() {
            self.sink.error_at(0, 0, "the spec has no operations");
        }
        for (oname, op) in spec.operations.iter() {
            self.operation(oname, op);
        }
        self.examples(spec_dir);
        for (sname, _) in spec.sources.iter() {
            if sname.value.is_empty() {
                self.sink.error(sname, "empty source key");
            }
        }
    }

    /// `crate.name`: a valid package name that matches the spec's file name.
    fn crate_name(&mut self, file: &str) {
        let name = &self.spec.krate.name;
        let valid_crate = !name.value.is_empty()
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && name.value.starts_with(|c: char| c.is_ascii_lowercase());
        if !valid_crate {
            self.sink.error(
                name,
                format!(
                    "invalid crate name `{}`: use lowercase letters, digits and `-`",
                    name.value
                ),
            );
        }
        let stem = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        if valid_crate && stem != name.value {
            self.sink.error(
                name,
                format!(
                    "crate name `{}` must match the spec file name `{stem}.yaml`",
                    name.value
                ),
            );
        }
    }

    /// `crate.language`; returns whether the documents are in Chinese.
    fn language(&mut self) -> bool {
        match &self.spec.krate.language {
            None => false,
            Some(l) if l.value == "en" => false,
            Some(l) if l.value == "zh-CN" => true,
            Some(l) => {
                self.sink.error(
                    l,
                    format!("unknown language `{}` (expected `en` or `zh-CN`)", l.value),
                );
                false
            }
        }
    }

    /// `service`: the endpoint template has a `{region}` and the source is known.
    fn service(&mut self) {
        match &self.spec.service {
            Service::Huawei(h) => {
                if !h.endpoint_template.value.contains("{region}") {
                    self.sink.error(
                        &h.endpoint_template,
                        "endpoint_template must contain `{region}`",
                    );
                }
                if let Some(s) = &h.source {
                    self.source_ref(s);
                }
            }
            Service::Aliyun(a) => {
                if !a.endpoint_rule.value.contains("{region}") {
                    self.sink
                        .error(&a.endpoint_rule, "endpoint_rule must contain `{region}`");
                }
                if let Some(s) = &a.source {
                    self.source_ref(s);
                }
            }
        }
    }

    /// `client.api_version`; returns its version names.
    fn api_version(&mut self) -> Option<Vec<String>> {
        let av = self.spec.client.as_ref()?.api_version.as_ref()?;
        if !self.huawei {
            self.sink.error(
                &av.default,
                "api_version is only supported for the huawei protocol",
            );
        }
        for (k, _) in av.values.iter() {
            if !names::is_variant_name(&k.value) {
                self.sink.error(k, format!("invalid api version name `{}`: expected an UpperCamelCase Rust variant name like `V2_1`", k.value));
            }
        }
        if av.values.get(&av.default.value).is_none() {
            self.sink.error(
                &av.default,
                format!(
                    "default api version `{}` is not one of `values`",
                    av.default.value
                ),
            );
        }
        Some(av.values.iter().map(|(k, _)| k.value.clone()).collect())
    }

    /// Shared type names: UpperCamelCase and not reserved. Records every type's kind.
    fn type_names(&mut self) {
        for (tname, t) in self.spec.types.iter() {
            if !names::is_upper_camel(&tname.value) {
                self.sink.error(tname, format!("invalid type name `{}`: expected UpperCamelCase (ASCII letters and digits)", tname.value));
            } else if RESERVED_TYPE_NAMES.contains(&tname.value.as_str())
                || tname.value.ends_with("Output")
                || tname.value.ends_with("Error")
                || tname.value.ends_with("Input")
                || tname.value.ends_with("InputBuilder")
                || tname.value.ends_with("FluentBuilder")
            {
                self.sink.error(
                    tname,
                    format!(
                        "type name `{}` is reserved for generated items",
                        tname.value
                    ),
                );
            }
            self.type_kinds.insert(tname.value.clone(), t.kind);
        }
    }

    /// One shared type: its docs, sources and its fields or values.
    fn shared_type(&mut self, tname: &Spanned<String>, t: &TypeDef) {
        if let Some(s) = &t.source {
            self.source_ref(s);
        }
        self.docs(tname, &t.docs, &t.translation);
        self.divergences(&t.divergences);
        match t.kind {
            TypeKind::Struct => {
                if !t.values.is_empty() {
                    self.sink.error(
                        tname,
                        format!(
                            "struct `{}` cannot have `values` (only enums do)",
                            tname.value
                        ),
                    );
                }
                if t.fields.is_empty() {
                    self.sink
                        .error(tname, format!("struct `{}` has no `fields`", tname.value));
                }
                self.fields(&t.fields);
            }
            TypeKind::Enum => self.enum_type(tname, t),
        }
    }

    /// An enum: values without fields, each mapping to a distinct valid variant.
    fn enum_type(&mut self, tname: &Spanned<String>, t: &TypeDef) {
        if !t.fields.is_empty() {
            self.sink.error(
                tname,
                format!(
                    "enum `{}` cannot have `fields` (only structs do)",
                    tname.value
                ),
            );
        }
        if t.values.is_empty() {
            self.sink
                .error(tname, format!("enum `{}` has no `values`", tname.value));
        }
        let mut seen = BTreeSet::new();
        for (wire, val) in t.values.iter() {
            let variant = match &val.rust_name {
                Some(n) => {
                    if !names::is_variant_name(&n.value) || n.value == "Unknown" {
                        self.sink
                            .error(n, format!("invalid variant name `{}`", n.value));
                    }
                    n.value.clone()
                }
                None => names::variant(&wire.value),
            };
            if !seen.insert(variant.clone()) {
                self.sink.error(
                    wire,
                    format!(
                        "enum value `{}` maps to the variant `{variant}` twice; set `rust_name`",
                        wire.value
                    ),
                );
            }
            self.docs(wire, &val.docs, &val.translation);
        }
    }

    /// One operation: its name, HTTP binding, input, output and errors.
    fn operation(&mut self, oname: &Spanned<String>, op: &Operation) {
        if !names::is_upper_camel(&oname.value) {
            self.sink.error(oname, format!("invalid operation name `{}`: expected UpperCamelCase (ASCII letters and digits)", oname.value));
        }
        if self
            .type_kinds
            .contains_key(&format!("{}Output", oname.value))
        {
            self.sink
                .error(oname, "operation output name collides with a shared type");
        }
        if let Some(s) = &op.source {
            self.source_ref(s);
        }
        self.docs(oname, &op.docs, &op.translation);

        let uri_params = self.http(oname, op.http.as_ref());
        self.input(oname, op, &uri_params);

        // output
        if op.output.fields.is_empty() {
            self.sink.error(
                oname,
                format!("operation `{}` has an output without `fields`", oname.value),
            );
        }
        self.docs(oname, &op.output.docs, &op.output.translation);
        self.fields(&op.output.fields);
        if op.output.xml_root.is_some() && self.huawei {
            self.sink
                .error(oname, "`xml_root` only applies to the aliyun protocol");
        }

        self.errors(op);
    }

    /// An operation's `http` (Huawei only); returns each URI with its `{param}` names.
    fn http(
        &mut self,
        oname: &Spanned<String>,
        http: Option<&Http>,
    ) -> Vec<(Spanned<String>, BTreeSet<String>)> {
        let mut uri_params = Vec::new();
        match (http, self.huawei) {
            (None, true) => self.sink.error(
                oname,
                format!("operation `{}` needs `http` (huawei protocol)", oname.value),
            ),
            (Some(http), false) => self.sink.error(
                &http.method,
                "`http` is not used by the aliyun RPC protocol",
            ),
            (Some(http), true) => {
                const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
                if !METHODS.contains(&http.method.value.as_str()) {
                    self.sink.error(
                        &http.method,
                        format!("unknown HTTP method `{}`", http.method.value),
                    );
                }
                self.uris(http, &mut uri_params);
            }
            (None, false) => {}
        }
        uri_params
    }

    /// `uri`, or `uris` with one entry per client api version.
    fn uris(&mut self, http: &Http, uri_params: &mut Vec<(Spanned<String>, BTreeSet<String>)>) {
        let api_versions = self.api_versions.clone();
        match (&http.uri, http.uris.is_empty(), &api_versions) {
            (Some(uri), true, None) => uri_params.push((uri.clone(), self.uri(uri))),
            (Some(uri), _, Some(_)) => self.sink.error(
                uri,
                "the client has `api_version`: give `uris` (one per version) instead of `uri`",
            ),
            (None, false, Some(versions)) => {
                for (v, uri) in http.uris.iter() {
                    if !versions.contains(&v.value) {
                        self.sink
                            .error(v, format!("`{}` is not a client api_version", v.value));
                    }
                    uri_params.push((uri.clone(), self.uri(uri)));
                }
                for version in versions {
                    if http.uris.get(version).is_none() {
                        self.sink.error(
                            &http.method,
                            format!("`uris` has no entry for api version `{version}`"),
                        );
                    }
                }
            }
            (None, false, None) => self
                .sink
                .error(&http.method, "`uris` needs `client.api_version`; use `uri`"),
            (Some(uri), false, None) => self
                .sink
                .error(uri, "give either `uri` or `uris`, not both"),
            (None, true, _) => self.sink.error(&http.method, "missing `uri`"),
        }
    }

    /// An operation's input: every URI parameter is a path member, and each member is valid
    /// with a distinct Rust name.
    fn input(
        &mut self,
        oname: &Spanned<String>,
        op: &Operation,
        uri_params: &[(Spanned<String>, BTreeSet<String>)],
    ) {
        let path_members: BTreeSet<String> = op
            .input
            .iter()
            .filter(|(_, m)| m.location == ParamLocation::Path)
            .map(|(k, _)| k.value.clone())
            .collect();
        for (uri, params) in uri_params {
            for p in params {
                if !path_members.contains(p) {
                    self.sink.error(
                        uri,
                        format!("URI parameter `{{{p}}}` is not a path member of `input`"),
                    );
                }
            }
        }
        let mut rust_names = BTreeSet::new();
        for (wire, m) in op.input.iter() {
            if !names::is_wire_name(&wire.value) {
                self.sink
                    .error(wire, format!("invalid parameter name `{}`", wire.value));
                continue;
            }
            let is_list = self.member_type(wire, m);
            self.member_location(wire, m, is_list, uri_params);
            if m.default.is_some()
                && (self.huawei
                    || m.filled_by == Some(FilledBy::Client)
                    || m.ty.value.trim() != "string")
            {
                self.sink.error(wire, format!("`default: client_region` is only supported for a user-filled aliyun `string` parameter, not `{}`", wire.value));
            }
            if m.filled_by == Some(FilledBy::Client) {
                self.client_filled(wire, m);
                continue;
            }
            if m.value.is_some() {
                self.sink
                    .error(wire, "`value` is only for `filled_by: client` parameters");
            }
            let rust_name = self.member_rust_name(wire, m, is_list);
            if !rust_names.insert(rust_name.clone()) {
                self.sink.error(
                    wire,
                    format!(
                        "duplicate Rust name `{rust_name}` in the input of `{}`",
                        oname.value
                    ),
                );
            }
        }
    }

    /// A member's type and list style; returns whether it is a list.
    fn member_type(&mut self, wire: &Spanned<String>, m: &Member) -> bool {
        let ty = TypeRef::parse(&m.ty.value);
        let ok_type = match &ty {
            Some(TypeRef::String | TypeRef::Integer | TypeRef::Long | TypeRef::Boolean) => true,
            Some(TypeRef::List(inner)) => {
                matches!(**inner, TypeRef::String | TypeRef::Integer | TypeRef::Long)
            }
            _ => false,
        };
        if !ok_type {
            self.sink.error(&m.ty, format!("unsupported parameter type `{}` (expected string, integer, long, boolean or list<string|integer|long>)", m.ty.value));
        }
        let is_list = ty.as_ref().is_some_and(TypeRef::is_list);
        if is_list && m.list_style.is_none() {
            self.sink.error(
                &m.ty,
                format!("list parameter `{}` needs `list_style`", wire.value),
            );
        }
        if let Some(style) = m.list_style {
            let ok = if self.huawei {
                style == ListStyle::Repeated
            } else {
                style == ListStyle::RepeatList
            };
            if !ok {
                self.sink.error(
                    &m.ty,
                    if self.huawei {
                        "huawei list parameters use `list_style: repeated` (`name=a&name=b`)"
                    } else {
                        "aliyun list parameters use `list_style: repeat_list` (`Name.1=a&Name.2=b`)"
                    },
                );
            }
        }
        is_list
    }

    /// A member's location (no headers; path members only in Huawei URIs), list-only
    /// settings, sources and docs.
    fn member_location(
        &mut self,
        wire: &Spanned<String>,
        m: &Member,
        is_list: bool,
        uri_params: &[(Spanned<String>, BTreeSet<String>)],
    ) {
        if m.location == ParamLocation::Header {
            self.sink.error(wire, "header parameters are not supported: the core's request types carry no per-operation headers");
        }
        if m.location == ParamLocation::Path && !self.huawei {
            self.sink.error(
                wire,
                "the aliyun RPC protocol has no path parameters; use `location: query`",
            );
        }
        if !is_list && (m.list_style.is_some() || m.item_setter.is_some()) {
            self.sink.error(
                &m.ty,
                format!(
                    "`list_style`/`item_setter` only apply to list parameters (`{}` is `{}`)",
                    wire.value, m.ty.value
                ),
            );
        }
        if let Some(s) = &m.source {
            self.source_ref(s);
        }
        self.divergences(&m.divergences);
        self.docs(wire, &m.docs, &m.translation);
        if m.location == ParamLocation::Path {
            self.path_member(wire, m, uri_params);
        }
    }

    /// A path member: required, in every URI, and never empty unless the client fills it.
    fn path_member(
        &mut self,
        wire: &Spanned<String>,
        m: &Member,
        uri_params: &[(Spanned<String>, BTreeSet<String>)],
    ) {
        if !m.required {
            self.sink.error(
                wire,
                format!("path parameter `{}` must be `required: true`", wire.value),
            );
        }
        if self.huawei && !uri_params.iter().all(|(_, ps)| ps.contains(&wire.value)) {
            self.sink.error(
                wire,
                format!(
                    "path parameter `{}` does not appear in every URI",
                    wire.value
                ),
            );
        }
        if m.filled_by != Some(FilledBy::Client) && m.constraints.min_length.unwrap_or(0) < 1 {
            self.sink.error(wire, format!("path parameter `{}` needs `constraints: {{min_length: 1}}` (an empty segment would change the URI)", wire.value));
        }
    }

    /// `filled_by: client` is only known for Huawei's `project_id` and Alibaba's `Action`.
    fn client_filled(&mut self, wire: &Spanned<String>, m: &Member) {
        let known =
            (self.huawei && wire.value == "project_id" && m.location == ParamLocation::Path)
                || (!self.huawei && wire.value == "Action" && m.value.is_some());
        if !known {
            self.sink.error(wire, format!("`filled_by: client` is only supported for the huawei path parameter `project_id` and the aliyun `Action` (with `value`), not `{}`", wire.value));
        }
    }

    /// A user-filled member's Rust name (and item setter); returns the name.
    fn member_rust_name(&mut self, wire: &Spanned<String>, m: &Member, is_list: bool) -> String {
        let base = names::snake(&wire.value);
        let rust_name = match &m.rust_name {
            Some(n) => {
                if !names::is_snake(&n.value) {
                    self.sink.error(
                        n,
                        format!("invalid Rust name `{}`: expected snake_case", n.value),
                    );
                }
                n.value.clone()
            }
            None if is_list => format!("{base}s"),
            None => base,
        };
        if let Some(n) = &m.item_setter
            && !names::is_snake(&n.value)
        {
            self.sink.error(
                n,
                format!("invalid Rust name `{}`: expected snake_case", n.value),
            );
        }
        if RESERVED_METHODS.contains(&rust_name.as_str()) {
            self.sink.error(wire, format!("parameter `{}` would generate the reserved builder method `{rust_name}`; set `rust_name`", wire.value));
        }
        rust_name
    }

    /// An operation's errors: valid names, 4xx/5xx statuses, no two matching the same response.
    fn errors(&mut self, op: &Operation) {
        let mut codes = BTreeSet::new();
        for (ename, e) in op.errors.iter() {
            if !names::is_upper_camel(&ename.value) || ename.value == "Unhandled" {
                self.sink.error(ename, format!("invalid error variant name `{}`: expected UpperCamelCase other than `Unhandled`", ename.value));
            }
            if !(400..=599).contains(&e.status.value) {
                self.sink.error(
                    &e.status,
                    format!("error status {} is not a 4xx/5xx status", e.status.value),
                );
            }
            let key = (
                e.code.clone(),
                if e.code.is_some() { 0 } else { e.status.value },
            );
            if !codes.insert(key) {
                self.sink
                    .error(ename, "two errors match the same code/status");
            }
            if let Some(s) = &e.source {
                self.source_ref(s);
            }
            self.docs(ename, &e.docs, &e.translation);
        }
    }

    /// `examples`: snake_case names, known operations and example files that exist.
    fn examples(&mut self, spec_dir: Option<&Path>) {
        let spec = self.spec;
        for (ename, ex) in spec.examples.iter() {
            if !names::is_snake(&ename.value) {
                self.sink.error(
                    ename,
                    format!(
                        "invalid example name `{}`: expected snake_case",
                        ename.value
                    ),
                );
            }
            if spec.operations.get(&ex.operation.value).is_none() {
                self.sink.error(
                    &ex.operation,
                    format!("unknown operation `{}`", ex.operation.value),
                );
            }
            self.source_ref(&ex.source);
            if let Some(dir) = spec_dir
                && !dir.join(&ex.file.value).is_file()
            {
                self.sink.error(
                    &ex.file,
                    format!(
                        "example file `{}` does not exist (relative to the spec's directory)",
                        ex.file.value
                    ),
                );
            }
            if let Some(other) = &ex.same_data_as
                && spec.examples.get(&other.value).is_none()
            {
                self.sink
                    .error(other, format!("unknown example `{}`", other.value));
            }
        }
    }

    fn source_ref(&mut self, s: &Spanned<String>) {
        if self.spec.sources.get(&s.value).is_none() {
            self.sink.error(
                s,
                format!("unknown source `{}` (not a key of `sources`)", s.value),
            );
        }
    }

    fn divergences(&mut self, list: &[crate::load::Divergence]) {
        for d in list {
            self.source_ref(&d.source);
        }
    }

    fn docs(&mut self, at: &Spanned<String>, docs: &[String], translation: &[String]) {
        let zh = self.zh;
        if zh && !docs.is_empty() && translation.is_empty() {
            self.sink.error(
                at,
                format!(
                    "`{}`: the document is not in English; add an English `translation`",
                    at.value
                ),
            );
        }
        if !zh && !translation.is_empty() {
            self.sink.error(
                at,
                format!(
                    "`{}`: `translation` is only for non-English documents",
                    at.value
                ),
            );
        }
    }

    /// Returns the `{param}` names of a URI template.
    fn uri(&mut self, uri: &Spanned<String>) -> BTreeSet<String> {
        let mut params = BTreeSet::new();
        if !uri.value.starts_with('/') {
            self.sink.error(uri, "URI must start with `/`");
        }
        let mut rest = uri.value.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                self.sink.error(uri, "unclosed `{` in URI");
                return params;
            };
            let name = &rest[start + 1..start + len];
            if !names::is_snake(name) {
                self.sink
                    .error(uri, format!("invalid URI parameter `{{{name}}}`"));
            }
            params.insert(name.to_string());
            rest = &rest[start + len + 1..];
        }
        if rest.contains('}') {
            self.sink.error(uri, "unmatched `}` in URI");
        }
        params
    }

    fn fields(&mut self, fields: &NamedMap<Field>) {
        let mut rust_names = BTreeSet::new();
        for (wire, f) in fields.iter() {
            if !names::is_wire_name(&wire.value) {
                self.sink
                    .error(wire, format!("invalid field name `{}`", wire.value));
                continue;
            }
            let rust_name = match &f.rust_name {
                Some(n) => {
                    if !names::is_snake(&n.value) {
                        self.sink.error(
                            n,
                            format!("invalid Rust name `{}`: expected snake_case", n.value),
                        );
                    }
                    n.value.clone()
                }
                None => names::snake(&wire.value),
            };
            if !rust_names.insert(rust_name.clone()) {
                self.sink
                    .error(wire, format!("duplicate Rust field name `{rust_name}`"));
            }
            self.docs(wire, &f.docs, &f.translation);
            if let Some(s) = &f.source {
                self.source_ref(s);
            }
            self.divergences(&f.divergences);
            let Some(ty) = TypeRef::parse(&f.ty.value) else {
                self.sink.error(&f.ty, format!("invalid type `{}` (expected string, integer, long, boolean, list<T> or a type name)", f.ty.value));
                continue;
            };
            let mut inner = &ty;
            while let TypeRef::List(i) = inner {
                inner = i;
            }
            if let TypeRef::Named(n) = inner
                && !self.type_kinds.contains_key(n)
            {
                self.sink.error(
                    &f.ty,
                    format!("unknown type `{n}` (not defined in `types`)"),
                );
            }
            if f.item_key.is_some() && !ty.is_list() {
                self.sink.error(
                    &f.ty,
                    format!(
                        "`item_key` only applies to lists (`{}` is `{}`)",
                        wire.value, f.ty.value
                    ),
                );
            }
            if f.decode == Some(Decode::StringOrNumber) && ty != TypeRef::String {
                self.sink.error(
                    &f.ty,
                    "`decode: string_or_number` only applies to `string` fields",
                );
            }
            if f.presence == Presence::Default {
                let ok = ty.is_list()
                    || ty == TypeRef::String
                    || matches!(&ty, TypeRef::Named(n) if self.defaultable.contains(n));
                if !ok {
                    self.sink.error(&f.ty, "`presence: default` needs a list, a string, or a struct whose fields are all optional, nullable, lists or defaulted");
                }
            }
            if ty.is_list() && matches!(f.presence, Presence::Nullable) {
                self.sink.error(&f.ty, "lists cannot be `nullable`: use `required` (null/absent decode to an empty list) or `optional`");
            }
        }
    }
}
