//! `[vpc]` in `moat.toml`: deploy into a VPC that already exists (the network team's), instead
//! of creating one.
//!
//! ```toml
//! [vpc]
//! id = "vpc-0a1b2c3d4e5f67890"
//! subnet_ids = ["subnet-0a1b2c3d4e5f67890", "subnet-0f1e2d3c4b5a69788"]
//! allow_route_changes = false   # default: changes to their route tables / NACLs / SGs are requests
//! ```
//!
//! With it, `vpc_cidr`, `az_count` and `[egress]` have no meaning (the VPC, its subnets and their
//! routes exist; an egress gateway needs an internet gateway in their VPC), and saying them is
//! an error rather than a setting silently ignored.

use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVpc {
    pub id: Option<Spanned<String>>,
    #[serde(default)]
    pub subnet_ids: Vec<Spanned<String>>,
    pub allow_route_changes: Option<Spanned<bool>>,
}

/// An existing VPC the environment goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingVpcSpec {
    /// `vpc-…`.
    pub id: String,
    /// The subnets the tasks (and moat's interface endpoints and NLBs) use, in the order given;
    /// their AZs come from the account.
    pub subnet_ids: Vec<String>,
    /// Whether moat may change what the network team owns (associate an S3 gateway endpoint with
    /// their route tables, add NACL entries, add rules to their endpoints' security groups).
    /// Default false: those changes are listed as requests for the network team.
    pub allow_route_changes: bool,
}

/// `vpc-` / `subnet-` then 8 or 17 lowercase hex digits, the two id lengths EC2 issues
/// (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html>).
pub(crate) fn resource_id_problem(id: &str, prefix: &str, what: &str) -> Option<String> {
    let hex = id.strip_prefix(prefix).and_then(|h| h.strip_prefix('-'));
    let ok = hex.is_some_and(|h| {
        matches!(h.len(), 8 | 17)
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    (!ok).then(|| {
        format!("invalid {what} `{id}`: expected `{prefix}-` and 8 or 17 hex digits, e.g. `{prefix}-0a1b2c3d4e5f67890`")
    })
}

/// Read `[vpc]`, reporting every problem through `report` (the section's span for a missing
/// key). `None` when there is no section or no usable id.
pub(crate) fn existing_vpc(
    raw: Option<&Spanned<RawVpc>>,
    report: &mut dyn FnMut(Range<usize>, String),
) -> Option<ExistingVpcSpec> {
    let section = raw?;
    let r = section.get_ref();
    let Some(id) = &r.id else {
        report(
            section.span(),
            "[vpc] needs `id`, the existing VPC's id (`vpc-…`); without [vpc] moat creates a VPC"
                .into(),
        );
        return None;
    };
    let mut ok = true;
    if let Some(m) = resource_id_problem(id.get_ref(), "vpc", "[vpc] id") {
        report(id.span(), m);
        ok = false;
    }
    if r.subnet_ids.is_empty() {
        report(section.span(), "[vpc] needs `subnet_ids`: the subnets of the VPC the tasks may use (one or more, ideally one per AZ)".into());
        ok = false;
    }
    let mut subnet_ids: Vec<String> = Vec::new();
    for s in &r.subnet_ids {
        if let Some(m) = resource_id_problem(s.get_ref(), "subnet", "subnet id") {
            report(s.span(), m);
            ok = false;
        } else if subnet_ids.contains(s.get_ref()) {
            report(
                s.span(),
                format!("subnet `{}` is listed twice", s.get_ref()),
            );
            ok = false;
        } else {
            subnet_ids.push(s.get_ref().clone());
        }
    }
    ok.then(|| ExistingVpcSpec {
        id: id.get_ref().clone(),
        subnet_ids,
        allow_route_changes: r.allow_route_changes.as_ref().is_some_and(|a| *a.get_ref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids() {
        assert!(resource_id_problem("vpc-0a1b2c3d4e5f67890", "vpc", "id").is_none());
        assert!(resource_id_problem("vpc-12345678", "vpc", "id").is_none());
        assert!(resource_id_problem("vpc-123", "vpc", "id").is_some());
        assert!(resource_id_problem("subnet-12345678", "vpc", "id").is_some());
        assert!(resource_id_problem("subnet-0A1B2C3D", "subnet", "id").is_some());
    }
}

#[cfg(test)]
mod load_tests {
    use std::path::Path;

    const HEAD: &str = "name = \"x\"\nregion = \"us-east-1\"\n";

    fn load(text: &str) -> Result<crate::SpecExtras, String> {
        crate::load::load_str(Path::new("/tmp/moat.toml"), text)
            .map(|(_, e)| e)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_vpc_section() {
        let e = load(&format!("{HEAD}[vpc]\nid = \"vpc-0a1b2c3d4e5f67890\"\nsubnet_ids = [\"subnet-12345678\", \"subnet-9abcdef0\"]\n")).unwrap();
        let v = e.vpc.expect("[vpc] read");
        assert_eq!(v.id, "vpc-0a1b2c3d4e5f67890");
        assert_eq!(v.subnet_ids, ["subnet-12345678", "subnet-9abcdef0"]);
        assert!(!v.allow_route_changes);
        let e = load(&format!("{HEAD}[vpc]\nid = \"vpc-12345678\"\nsubnet_ids = [\"subnet-12345678\"]\nallow_route_changes = true\n")).unwrap();
        assert!(e.vpc.unwrap().allow_route_changes);
        assert!(load(HEAD).unwrap().vpc.is_none());
    }

    #[test]
    fn every_problem_at_once_with_positions_and_suggestions() {
        let text = format!(
            "{HEAD}vpc_cidr = \"10.1.0.0/16\"\n[vpc]\nid = \"vpc-1\"\nsubnet_ids = [\"subnet-12345678\", \"subnet-12345678\", \"sn-1\"]\nallow_route_change = true\n[egress]\nallow = [\"a.example.com\"]\n"
        );
        let err = load(&text).unwrap_err();
        for want in [
            "moat.toml:3:12: vpc_cidr has no meaning with [vpc]",
            "moat.toml:5:6: invalid [vpc] id `vpc-1`",
            "moat.toml:6:34: subnet `subnet-12345678` is listed twice",
            "moat.toml:6:53: invalid subnet id `sn-1`",
            "moat.toml:7:1: unknown field `allow_route_change` in [vpc]; did you mean `allow_route_changes`?",
            "moat.toml:8:1: [egress] cannot be used with [vpc]",
        ] {
            assert!(err.contains(want), "missing {want:?} in:\n{err}");
        }
    }

    #[test]
    fn missing_keys_are_named() {
        let err = load(&format!(
            "{HEAD}[vpc]\nsubnet_ids = [\"subnet-12345678\"]\n"
        ))
        .unwrap_err();
        assert!(err.contains("[vpc] needs `id`"), "{err}");
        let err = load(&format!("{HEAD}[vpc]\nid = \"vpc-12345678\"\n")).unwrap_err();
        assert!(err.contains("[vpc] needs `subnet_ids`"), "{err}");
    }
}
