//! Reading resolved property values into model types.

use crate::value::{Val, V};
use moat_model::{Id, Maybe, Provenance};

/// Attributes whose value is the physical id of the resource itself (so `!GetAtt SG.GroupId`
/// names the group `SG`). Return values per resource type are listed on each resource's page,
/// e.g. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html#aws-resource-ec2-securitygroup-return-values
const SELF_ATTRS: &[&str] = &[
    "GroupId",
    "Id",
    "Arn",
    "LoadBalancerArn",
    "TargetGroupArn",
    "ServiceId",
    "AllocationId",
    "SubnetId",
    "RouteTableId",
    "VpcEndpointId",
    "InternetGatewayId",
    "NatGatewayId",
    "NetworkAclId",
];

pub fn mstr(v: Option<&V>, what: &str) -> Maybe<String> {
    match v {
        None => Maybe::Unknown(format!("{what} not set")),
        Some(v) => match v.text() {
            Ok(s) => Maybe::Known(s),
            Err(w) => Maybe::Unknown(w),
        },
    }
}

/// A boolean property: CloudFormation accepts `true`/`false` quoted or not, any case.
pub fn mbool(v: &V) -> Maybe<bool> {
    match v.text() {
        Ok(s) => match s.to_ascii_lowercase().as_str() {
            "true" => Maybe::Known(true),
            "false" => Maybe::Known(false),
            _ => Maybe::Unknown(format!("`{s}` is not a boolean")),
        },
        Err(w) => Maybe::Unknown(w),
    }
}

/// A boolean property with the default AWS applies when it is omitted.
pub fn bool_or(v: Option<&V>, default: bool) -> Maybe<bool> {
    v.map_or(Maybe::Known(default), mbool)
}

pub fn mnum<T: std::str::FromStr>(v: &V) -> Maybe<T> {
    match v.text() {
        Ok(s) => s.trim().parse().map_or_else(
            |_| Maybe::Unknown(format!("`{s}` is not a number")),
            Maybe::Known,
        ),
        Err(w) => Maybe::Unknown(w),
    }
}

pub fn mid(v: &V) -> Maybe<Id> {
    match &v.val {
        Val::Att { res, attr } if SELF_ATTRS.contains(&attr.as_str()) => {
            Maybe::Known(Id(res.clone()))
        }
        _ => match v.text() {
            Ok(s) => Maybe::Known(Id(s)),
            Err(w) => Maybe::Unknown(w),
        },
    }
}

pub fn mid_opt(v: Option<&V>, what: &str) -> Maybe<Id> {
    v.map_or_else(|| Maybe::Unknown(format!("{what} not set")), mid)
}

/// A list of ids (a list, a comma-separated string, or an unknown standing for the whole list).
pub fn ids(v: Option<&V>) -> Vec<Maybe<Id>> {
    match v {
        None => Vec::new(),
        Some(v) => match v.items() {
            Ok(items) => items.iter().map(mid).collect(),
            Err(w) => vec![Maybe::Unknown(w)],
        },
    }
}

pub fn strs(v: Option<&V>) -> Vec<Maybe<String>> {
    match v {
        None => Vec::new(),
        Some(v) => match v.items() {
            Ok(items) => items
                .iter()
                .map(|i| i.text().map_or_else(Maybe::Unknown, Maybe::Known))
                .collect(),
            Err(w) => vec![Maybe::Unknown(w)],
        },
    }
}

/// Record where a property was written, for findings that point at it.
pub fn field(prov: &mut Provenance, name: &'static str, v: Option<&V>) {
    if let Some(v) = v {
        if v.pos.line > 0 {
            prov.set_field(name, v.pos.line, v.pos.col);
        }
    }
}

/// Whether a `Tags` list (`[{Key, Value}]`) holds `key` = `value` (value compared without case).
pub fn tagged(tags: Option<&V>, key: &str, value: &str) -> bool {
    tags.and_then(|t| t.items().ok())
        .unwrap_or_default()
        .iter()
        .any(|t| {
            t.get("Key").and_then(|k| k.text().ok()).as_deref() == Some(key)
                && t.get("Value")
                    .and_then(|v| v.text().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
        })
}
