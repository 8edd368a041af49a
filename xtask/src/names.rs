//! Naming: case conversion through `heck`, Rust keyword escaping, identifier checks.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Strict and reserved keywords of Rust 2024 (plus weak ones that cannot be field names).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
];

/// Keywords that cannot be raw identifiers; they get a trailing `_` instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// `UpperCamelCase` ASCII identifier (type, operation and error names).
pub fn is_upper_camel(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// An enum variant name: `UpperCamelCase`, digits and `_` allowed after the first letter
/// (`V2_1`).
pub fn is_variant_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `snake_case` ASCII identifier (field and method names), keywords allowed (they are escaped).
pub fn is_snake(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s != "_"
}

/// A wire name usable as a source for a Rust name: ASCII letters, digits, `_`, `-`, `.`,
/// starting with a letter.
pub fn is_wire_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Wire name → Rust field name (`SecurityGroupId` → `security_group_id`).
pub fn snake(s: &str) -> String {
    s.to_snake_case()
}

/// Wire value → enum variant name (`ingress` → `Ingress`, `IPv4` → `IPv4`); `Unknown` is
/// reserved for the catch-all variant, so a wire value `Unknown` becomes `UnknownValue`.
pub fn variant(s: &str) -> String {
    let mut name = s.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("Value{name}");
    }
    if name == "Unknown" {
        name.push_str("Value");
    }
    name
}

/// A Rust identifier token for `s`, escaping keywords (`type` → `r#type`, `self` → `self_`).
pub fn ident(s: &str) -> Ident {
    if NOT_RAW.contains(&s) {
        Ident::new(&format!("{s}_"), Span::call_site())
    } else if is_keyword(s) {
        Ident::new_raw(s, Span::call_site())
    } else {
        Ident::new(s, Span::call_site())
    }
}

/// Prefixes an identifier (`set_` + `type` → `set_type`), never producing a raw identifier.
pub fn prefixed(prefix: &str, s: &str) -> Ident {
    Ident::new(&format!("{prefix}{s}"), Span::call_site())
}

/// The crate's Rust name (`huawei-vpc-v3` → `huawei_vpc_v3`).
pub fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(snake("SecurityGroupId"), "security_group_id");
        assert_eq!(snake("AliUid"), "ali_uid");
        assert_eq!(snake("security_group_rules"), "security_group_rules");
        assert_eq!(variant("ingress"), "Ingress");
        assert_eq!(variant("IPv4"), "IPv4");
        assert_eq!(variant("Unknown"), "UnknownValue");
        assert_eq!(variant("1st"), "Value1st");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("name").to_string(), "name");
        assert!(is_upper_camel("ShowSecurityGroup"));
        assert!(!is_upper_camel("show_security_group"));
        assert!(!is_upper_camel("Security Group"));
        assert!(is_variant_name("V2_1"));
        assert!(is_snake("security_group_ids"));
        assert!(!is_snake("SecurityGroupIds"));
    }
}
