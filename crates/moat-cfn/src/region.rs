//! The regions (and accounts) a template's own literals name (`com.amazonaws.eu-west-1.s3`,
//! `…dkr.ecr.eu-west-1.amazonaws.com/app`, `arn:aws:logs:eu-west-1:…`, `eu-west-1a`): when no
//! region is given and the template names exactly one, that is the region it is written for.
//!
//! Region codes are `<area>-<direction>-<number>` (`us-gov-west-1`, `ap-southeast-2`), as listed
//! at https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.

use crate::node::{Kind, Node};
use std::collections::BTreeSet;

const AREAS: &[&str] = &[
    "af", "ap", "ca", "cn", "eu", "il", "me", "mx", "sa", "us", "us-gov", "us-iso", "us-isob",
];
const DIRECTIONS: &[&str] = &[
    "east",
    "west",
    "north",
    "south",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// Every region code written in a scalar of `node` (keys are names, not values: skipped).
pub fn named_regions(node: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            Kind::Scalar { text, .. } => regions_in(text, &mut out),
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
        }
    }
    out
}

/// Region codes in a text: runs of `[a-z0-9-]` scanned for `<area>-<direction>-<digits>`, with
/// an availability-zone letter allowed after the digits (`eu-west-1a`).
fn regions_in(text: &str, out: &mut BTreeSet<String>) {
    for word in text.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
        let parts: Vec<&str> = word.split('-').collect();
        for start in 0..parts.len() {
            for area_len in [2usize, 1] {
                let Some(area) = parts.get(start..start + area_len) else {
                    continue;
                };
                let area = area.join("-");
                if !AREAS.contains(&area.as_str()) {
                    continue;
                }
                let (Some(dir), Some(num)) =
                    (parts.get(start + area_len), parts.get(start + area_len + 1))
                else {
                    continue;
                };
                let digits = num.trim_end_matches(|c: char| c.is_ascii_lowercase());
                let suffix = num.len() - digits.len();
                if DIRECTIONS.contains(dir)
                    && !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && suffix <= 1
                {
                    out.insert(format!("{area}-{dir}-{digits}"));
                    break;
                }
            }
        }
    }
}

/// Every account id an ARN (`arn:aws:iam::111122223333:role/x`) or an ECR registry
/// (`111122223333.dkr.ecr.eu-west-1.amazonaws.com`) in a scalar of `node` names. Account ids are
/// 12 digits: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
pub fn named_accounts(node: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            Kind::Scalar { text, .. } => accounts_in(text, &mut out),
            Kind::Seq(items) => stack.extend(items.iter()),
            // The principals an endpoint service admits are its consumers' accounts, never the
            // account that deploys it.
            Kind::Map(entries) => stack.extend(
                entries
                    .iter()
                    .filter(|(k, _)| k.name != "AllowedPrincipals")
                    .map(|(_, v)| v),
            ),
        }
    }
    out
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn accounts_in(text: &str, out: &mut BTreeSet<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("arn:") {
        let parts: Vec<&str> = rest[i..].splitn(6, ':').collect();
        if let Some(a) = parts.get(4).filter(|a| is_account(a)) {
            out.insert((*a).to_string());
        }
        rest = &rest[i + 4..];
    }
    let mut rest = text;
    while let Some(i) = rest.find(".dkr.ecr.") {
        let head = &rest[..i];
        let start = head
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |j| j + 1);
        if is_account(&head[start..]) {
            out.insert(head[start..].to_string());
        }
        rest = &rest[i + 9..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        regions_in(text, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn finds_regions_in_names_arns_and_zones() {
        assert_eq!(found("com.amazonaws.eu-west-1.ecr.dkr"), ["eu-west-1"]);
        assert_eq!(
            found("123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/app:1"),
            ["ap-southeast-2"]
        );
        assert_eq!(
            found("arn:aws-us-gov:logs:us-gov-west-1:1:x"),
            ["us-gov-west-1"]
        );
        assert_eq!(found("eu-central-1b"), ["eu-central-1"]);
        assert_eq!(
            found("cdk-hnb659fds-assets-111122223333-eu-west-1"),
            ["eu-west-1"]
        );
    }

    #[test]
    fn ignores_look_alikes() {
        assert!(found("us-east").is_empty());
        assert!(found("my-west-1-app").is_empty());
        assert!(found("eu-west-1ab").is_empty());
        assert!(found("${AWS::Region}").is_empty());
    }

    #[test]
    fn finds_accounts_in_arns_and_registries() {
        let mut out = BTreeSet::new();
        accounts_in("arn:aws:iam::111122223333:role/x", &mut out);
        accounts_in(
            "222233334444.dkr.ecr.eu-west-1.amazonaws.com/app:1",
            &mut out,
        );
        accounts_in("arn:aws:s3:::bucket/123456789012", &mut out);
        accounts_in(
            "arn:${AWS::Partition}:ecr:eu-west-1:${AWS::AccountId}:repository/x",
            &mut out,
        );
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["111122223333", "222233334444"]
        );
    }
}
