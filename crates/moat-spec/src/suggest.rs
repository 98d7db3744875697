//! "Did you mean …?" for misspelt keys and names, and the field names of the `raw` structs (so
//! the unknown-key check follows those structs and cannot drift from them).

use serde::de::{self, Deserialize, Visitor};

/// The closest candidate to `input`, if one is close enough to be what was meant: a few edits
/// away (`vpc_cdir` → `vpc_cidr`), or `input` is a prefix of it (`dynamo` → `dynamodb`).
pub fn did_you_mean<'c>(input: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = input.to_ascii_lowercase();
    let max_edits = (lower.chars().count() / 3).max(1);
    candidates
        .iter()
        .filter_map(|&c| {
            let d = strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase());
            let prefix = lower.len() >= 3 && c.starts_with(lower.as_str());
            (d <= max_edits || prefix).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The message tail for a bad name: "; did you mean `x`?" or ": expected one of a, b, c".
pub fn hint(input: &str, candidates: &[&str]) -> String {
    match did_you_mean(input, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => format!(": expected one of {}", candidates.join(", ")),
    }
}

/// The field names serde's derive gives a struct (what `deserialize_struct` is called with).
pub fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that records the field list a derived `Deserialize` asks for, then stops.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = ["vpc_cidr", "az_count", "region"];
        assert_eq!(did_you_mean("vpc_cdir", &keys), Some("vpc_cidr"));
        assert_eq!(did_you_mean("azcount", &keys), Some("az_count"));
        assert_eq!(did_you_mean("colour", &keys), None);
        assert_eq!(
            did_you_mean("dynamo", &["dynamodb", "ecr.api"]),
            Some("dynamodb")
        );
        assert!(hint("zzz", &["a", "b"]).ends_with("expected one of a, b"));
    }

    #[test]
    fn field_names_follow_the_raw_structs() {
        let f = fields_of::<crate::raw::RawAutoscaling>();
        assert_eq!(f, ["min", "max", "cpu_target"]);
    }
}
