//! Identifiers and possibly-unknown values.

use serde::{Serialize, Serializer};
use std::fmt;

/// The id of a model element: a template's logical id (nested stacks prefixed with the parent's
/// logical id and `/`, e.g. `VpcStack/PrivateSubnetOne`), or a live AWS resource id
/// (`subnet-0abc…`). References between elements use these ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id(s.to_string())
    }
}

impl From<String> for Id {
    fn from(s: String) -> Self {
        Id(s)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value that may not be knowable before deployment. `Unknown` carries the reason
/// ("parameter VpcId has no default", "Fn::ImportValue SharedVpc"), which findings quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Maybe<T> {
    Known(T),
    Unknown(String),
}

impl<T> Default for Maybe<T> {
    fn default() -> Self {
        Maybe::Unknown("not set".into())
    }
}

impl<T> Maybe<T> {
    pub fn unknown(why: impl Into<String>) -> Self {
        Maybe::Unknown(why.into())
    }
    pub fn known(&self) -> Option<&T> {
        match self {
            Maybe::Known(v) => Some(v),
            Maybe::Unknown(_) => None,
        }
    }
    pub fn is_known(&self) -> bool {
        matches!(self, Maybe::Known(_))
    }
    pub fn as_ref(&self) -> Maybe<&T> {
        match self {
            Maybe::Known(v) => Maybe::Known(v),
            Maybe::Unknown(w) => Maybe::Unknown(w.clone()),
        }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Maybe<U> {
        match self {
            Maybe::Known(v) => Maybe::Known(f(v)),
            Maybe::Unknown(w) => Maybe::Unknown(w),
        }
    }
    /// The reason a value is unknown, if it is.
    pub fn why_unknown(&self) -> Option<&str> {
        match self {
            Maybe::Known(_) => None,
            Maybe::Unknown(w) => Some(w),
        }
    }
}

impl<T: Copy> Maybe<T> {
    /// The value, or `default` when unknown. Use only where AWS itself applies that default
    /// (e.g. `EnableDnsSupport` is true when omitted); an unresolvable value is not "omitted".
    pub fn or(&self, default: T) -> T {
        match self {
            Maybe::Known(v) => *v,
            Maybe::Unknown(_) => default,
        }
    }
}

impl<T> From<T> for Maybe<T> {
    fn from(v: T) -> Self {
        Maybe::Known(v)
    }
}

impl<T: Serialize> Serialize for Maybe<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Maybe::Known(v) => v.serialize(s),
            Maybe::Unknown(w) => s.serialize_str(&format!("<unknown: {w}>")),
        }
    }
}
