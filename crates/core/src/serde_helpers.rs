//! Deserializers that let one `#[derive(Deserialize)]` read both the JSON (`serde_json`) and the
//! XML (`quick_xml::de`) shapes of Alibaba Cloud responses.
//!
//! ```
//! use serde::Deserialize;
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Ref {
//!     #[serde(rename = "AliUid", default, deserialize_with = "cloudsdk_core::serde_helpers::string_or_number")]
//!     ali_uid: Option<String>,
//! }
//! #[derive(Deserialize, Debug)]
//! struct Out {
//!     #[serde(rename = "Refs", default, deserialize_with = "cloudsdk_core::serde_helpers::wrapped_list")]
//!     refs: Vec<Ref>,
//! }
//! // Wrapped (real wire), bare array (documented), one-element XML, empty.
//! let a: Out = serde_json::from_str(r#"{"Refs":{"Ref":[{"AliUid":"1"}]}}"#).unwrap();
//! let b: Out = serde_json::from_str(r#"{"Refs":[{"AliUid":1}]}"#).unwrap();
//! let c: Out = quick_xml::de::from_str("<Out><Refs><Ref><AliUid>1</AliUid></Ref></Refs></Out>").unwrap();
//! let d: Out = serde_json::from_str(r#"{"Refs":null}"#).unwrap();
//! assert_eq!(a.refs, b.refs);
//! assert_eq!(a.refs, c.refs);
//! assert!(d.refs.is_empty());
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// wrapped_list
// ---------------------------------------------------------------------------------------------

/// `deserialize_with` for `Vec<T>` list fields. Accepts:
///
/// * a bare array: `[…]`;
/// * an object wrapping the list under any key: `{"SecurityGroupReference": […]}` — and in XML a
///   container element with repeated children (`<X><Item/><Item/></X>`), including one child;
/// * a wrapper holding a single object instead of an array: `{"Item": {…}}`;
/// * `null`, `{}`, an empty string or an empty XML element: an empty list.
///
/// Pair it with `#[serde(default)]` so a missing field is an empty list.
pub fn wrapped_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(ListVisitor {
        wrapper: true,
        marker: PhantomData,
    })
}

struct ListVisitor<T> {
    /// At the top level a map is a wrapper; inside a wrapper a map is one element.
    wrapper: bool,
    marker: PhantomData<T>,
}

macro_rules! scalar_element {
    ($($method:ident: $ty:ty),*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                Ok(vec![T::deserialize(v.into_deserializer())?])
            }
        )*
    };
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, an object wrapping a list, a single element, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        if self.wrapper {
            return Err(E::invalid_type(de::Unexpected::Str(v), &self));
        }
        Ok(vec![T::deserialize(de::value::StrDeserializer::<E>::new(
            v,
        ))?])
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        if self.wrapper {
            return Err(E::invalid_type(de::Unexpected::Str(v), &self));
        }
        Ok(vec![T::deserialize(
            de::value::BorrowedStrDeserializer::<E>::new(v),
        )?])
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(Vec::new());
        }
        if self.wrapper {
            return Err(E::invalid_type(de::Unexpected::Str(&v), &self));
        }
        Ok(vec![T::deserialize(
            de::value::StringDeserializer::<E>::new(v),
        )?])
    }

    scalar_element!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::<T>::deserialize(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if !self.wrapper {
            // quick-xml presents a text-only element (`<Id>a</Id>`) as a map with a `$text`
            // (or `$value`) key: a scalar element. Anything else is one structured element.
            let Some(first) = map.next_key::<Key>()? else {
                return Ok(vec![T::deserialize(MapAccessDeserializer::new(
                    EmptyMap::<A::Error>(PhantomData),
                ))?]);
            };
            if first.0 == "$text" || first.0 == "$value" {
                let value: T = map.next_value()?;
                while map.next_key::<Key>()?.is_some() {
                    map.next_value::<de::IgnoredAny>()?;
                }
                return Ok(vec![value]);
            }
            return Ok(vec![T::deserialize(MapAccessDeserializer::new(Replay {
                first: Some(first.0),
                inner: map,
            }))?]);
        }
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            if key.0.starts_with('@') || key.0 == "$text" || key.0 == "$value" {
                // XML attribute or stray text of the container: not list content.
                map.next_value::<de::IgnoredAny>()?;
                continue;
            }
            let items = map.next_value_seed(InnerList::<T>(PhantomData))?;
            out.extend(items);
        }
        Ok(out)
    }
}

/// A map whose first key was already read: replays it, then continues with the inner map.
struct Replay<A> {
    first: Option<String>,
    inner: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(k) => seed
                .deserialize(de::value::StringDeserializer::<A::Error>::new(k))
                .map(Some),
            None => self.inner.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// An empty map.
struct EmptyMap<E>(PhantomData<E>);

impl<'de, E: de::Error> MapAccess<'de> for EmptyMap<E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _seed: K) -> Result<Option<K::Value>, E> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _seed: V) -> Result<V::Value, E> {
        Err(E::custom("no value"))
    }
}

/// A map key read as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The value under a wrapper key: an array, a single element, or null.
struct InnerList<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for InnerList<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(ListVisitor {
            wrapper: false,
            marker: PhantomData,
        })
    }
}

/// Writes `items` as `{key: [items…]}` (the wrapped wire shape). Use from a small
/// `serialize_with` function: `fn ser<S: Serializer>(v: &Vec<T>, s: S) -> Result<S::Ok, S::Error>
/// { serialize_wrapped(v, "Item", s) }`.
pub fn serialize_wrapped<S, T>(items: &[T], key: &str, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, items)?;
    map.end()
}

// ---------------------------------------------------------------------------------------------
// string_or_number
// ---------------------------------------------------------------------------------------------

/// Types [`string_or_number`] can produce: `String` and `Option<String>`.
pub trait StringOrNumberTarget: Sized {
    /// From text.
    fn from_text(s: String) -> Self;
    /// From `null` / an absent value; `None` when the type cannot represent it.
    fn from_null() -> Option<Self>;
}

impl StringOrNumberTarget for String {
    fn from_text(s: String) -> Self {
        s
    }
    fn from_null() -> Option<Self> {
        None
    }
}

impl StringOrNumberTarget for Option<String> {
    fn from_text(s: String) -> Self {
        Some(s)
    }
    fn from_null() -> Option<Self> {
        Some(None)
    }
}

/// `deserialize_with` for `String` and `Option<String>` fields that the service sends as a
/// string, an integer or a float (`"AliUid": "123"` or `"AliUid": 123`; XML text). Integers keep
/// their decimal text; floats with no fractional part are written without `.0`. For
/// `Option<String>`, `null` is `None` (add `#[serde(default)]` for absent fields).
pub fn string_or_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: StringOrNumberTarget,
{
    deserializer.deserialize_any(TextVisitor(PhantomData))
}

struct TextVisitor<T>(PhantomData<T>);

impl<'de, T: StringOrNumberTarget> Visitor<'de> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from_text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from_text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::from_text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::from_text(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        Ok(T::from_text(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        Ok(T::from_text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        let text = if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e17 {
            format!("{}", v as i128)
        } else {
            v.to_string()
        };
        Ok(T::from_text(text))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(T::from_text(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        T::from_null().ok_or_else(|| E::invalid_type(de::Unexpected::Unit, &self))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        // quick-xml presents an element with attributes as a map; take its text content.
        let mut text = None;
        while let Some(key) = map.next_key::<Key>()? {
            if key.0 == "$text" || key.0 == "$value" {
                text = Some(map.next_value::<String>()?);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        match text {
            Some(t) => Ok(T::from_text(t)),
            None => {
                T::from_null().ok_or_else(|| de::Error::invalid_type(de::Unexpected::Map, &self))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq, Serialize)]
    struct Item {
        #[serde(rename = "Id")]
        id: String,
    }

    #[derive(Deserialize, Debug)]
    struct Holder {
        #[serde(rename = "Items", default, deserialize_with = "wrapped_list")]
        items: Vec<Item>,
    }

    #[test]
    fn json_shapes() {
        for (text, n) in [
            (r#"{"Items":[{"Id":"a"},{"Id":"b"}]}"#, 2),
            (r#"{"Items":{"Item":[{"Id":"a"},{"Id":"b"}]}}"#, 2),
            (r#"{"Items":{"Item":{"Id":"a"}}}"#, 1),
            (r#"{"Items":{"Item":[]}}"#, 0),
            (r#"{"Items":{"Item":null}}"#, 0),
            (r#"{"Items":{}}"#, 0),
            (r#"{"Items":null}"#, 0),
            (r#"{}"#, 0),
        ] {
            let h: Holder = serde_json::from_str(text).unwrap();
            assert_eq!(h.items.len(), n, "{text}");
        }
    }

    #[test]
    fn serialize_wrapped_shape() {
        struct W(Vec<Item>);
        impl Serialize for W {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_wrapped(&self.0, "Item", s)
            }
        }
        let v = serde_json::to_string(&W(vec![Item { id: "a".into() }])).unwrap();
        assert_eq!(v, r#"{"Item":[{"Id":"a"}]}"#);
    }
}
