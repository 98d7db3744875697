//! The DNS names a workload resolves, per need: what a Route 53 Resolver DNS Firewall in front
//! of the workload must keep allowed, and what `moat synth` puts in the firewall's allow list.
//!
//! - An interface endpoint answers, with private DNS on, the service's regional name from a
//!   private hosted zone (alias records, no CNAME chain): `logs.<region>.amazonaws.com`,
//!   `api.ecr.<region>.amazonaws.com`, `<account>.dkr.ecr.<region>.amazonaws.com`, …
//!   ([`PRIVATELINK_DNS`], [`crate::sources::ECR_VPC_ENDPOINTS`]).
//! - The S3 gateway endpoint serves S3's *public* names: the tasks resolve a bucket's
//!   virtual-hosted name `<bucket>.s3.<region>.amazonaws.com` and the path-style
//!   `s3.<region>.amazonaws.com` ([`S3_VIRTUAL_HOSTING`]), whose public answers moat cannot see
//!   (they may be a CNAME chain), so the rule that allows them must trust redirection.
//!
//! A name written `*.suffix` stands for some name under `suffix` that moat cannot spell out
//! (an account id in a registry host, a bucket given by a parameter).

use crate::needs::{Need, Requirement};
use crate::sources as src;

/// "Access an AWS service using an interface VPC endpoint": private DNS names.
pub const PRIVATELINK_DNS: &str =
    "https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns";
/// "Virtual hosting of buckets" (virtual-hosted–style and path-style requests).
pub const S3_VIRTUAL_HOSTING: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html";

/// One name a need resolves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NeededName {
    /// A name, or `*.suffix` for some name under `suffix`.
    pub name: String,
    /// The answer may come through a CNAME chain moat cannot see (public names).
    pub via_cname: bool,
    /// The page that says the name is resolved.
    pub source: &'static str,
}

/// The private DNS names of the interface endpoint for `short` in `region`. Most services
/// answer `<short>.<region>.amazonaws.com`; the exceptions are from their pages.
pub fn endpoint_names(short: &str, region: &str) -> Vec<NeededName> {
    let n = |name: String, source| NeededName {
        name,
        via_cname: false,
        source,
    };
    match short {
        // Gateway endpoints: the names come with the S3 objects (and DynamoDB's regional name).
        "s3" => Vec::new(),
        "dynamodb" => vec![n(
            format!("dynamodb.{region}.amazonaws.com"),
            PRIVATELINK_DNS,
        )],
        "ecr.api" => vec![n(
            format!("api.ecr.{region}.amazonaws.com"),
            src::ECR_VPC_ENDPOINTS,
        )],
        // The registry host is `<account>.dkr.ecr.<region>.amazonaws.com`.
        "ecr.dkr" => vec![n(
            format!("*.dkr.ecr.{region}.amazonaws.com"),
            src::ECR_VPC_ENDPOINTS,
        )],
        // `ecs-a-*` / `ecs-t-*` hosts: some name under the regional domain.
        "ecs-agent" | "ecs-telemetry" => {
            vec![n(
                format!("*.{region}.amazonaws.com"),
                src::ECS_VPC_ENDPOINTS,
            )]
        }
        "execute-api" => vec![n(
            format!("*.execute-api.{region}.amazonaws.com"),
            PRIVATELINK_DNS,
        )],
        _ => vec![n(
            format!("{short}.{region}.amazonaws.com"),
            PRIVATELINK_DNS,
        )],
    }
}

/// The names the tasks resolve to fetch S3 objects of `resource` (`arn:aws:s3:::bucket/key`)
/// through the gateway endpoint: the bucket's virtual-hosted name and the path-style name.
pub fn s3_names(resource: &str, region: &str) -> Vec<NeededName> {
    let bucket = resource
        .split(":::")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .filter(|b| !b.is_empty() && !b.contains(['*', '$', '<', '?']));
    let n = |name: String| NeededName {
        name,
        via_cname: true,
        source: S3_VIRTUAL_HOSTING,
    };
    let virtual_hosted = match bucket {
        Some(b) => format!("{b}.s3.{region}.amazonaws.com"),
        None => format!("*.s3.{region}.amazonaws.com"),
    };
    vec![n(virtual_hosted), n(format!("s3.{region}.amazonaws.com"))]
}

/// The names one requirement resolves (none for permissions).
pub fn requirement_names(req: &Requirement, region: &str) -> Vec<NeededName> {
    match &req.need {
        Need::Endpoint(short) => endpoint_names(short, region),
        Need::S3Object { resource } => s3_names(resource, region),
        _ => Vec::new(),
    }
}

/// The names `requirements` resolve, deduplicated, in order.
pub fn needed_names<'a>(
    requirements: impl IntoIterator<Item = &'a Requirement>,
    region: &str,
) -> Vec<NeededName> {
    let mut out: Vec<NeededName> = Vec::new();
    for r in requirements {
        for n in requirement_names(r, region) {
            if !out.iter().any(|o| o.name == n.name) {
                out.push(n);
            }
        }
    }
    out
}

/// The `docs/catalog.md` section: the names each need resolves, with sources.
pub fn render_markdown() -> String {
    use std::fmt::Write;
    let mut s = String::from(
        "\n## Names resolved per need\n\nWhat a DNS Firewall in front of the workload must keep allowed (`moat synth` allows exactly these; `moat check` proves each resolves, MOAT013). `*.x` is some name under `x`. Public names may be answered through a CNAME chain: the rule that allows them must set `FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN`.\n\n| Need | Names | CNAME chain | Source |\n|---|---|---|---|\n",
    );
    let mut row = |need: String, names: Vec<NeededName>| {
        if names.is_empty() {
            return;
        }
        let list: Vec<String> = names.iter().map(|n| format!("`{}`", n.name)).collect();
        let _ = writeln!(
            s,
            "| {need} | {} | {} | <{}> |",
            list.join(", "),
            if names[0].via_cname { "yes" } else { "no" },
            names[0].source
        );
    };
    for svc in crate::SERVICES {
        row(
            format!("endpoint `{}`", svc.name),
            endpoint_names(svc.name, "<region>"),
        );
    }
    row(
        "S3 object (ECR layers, `environmentFiles`) of `<bucket>`, through the gateway endpoint"
            .into(),
        s3_names("arn:aws:s3:::<bucket>/*", "<region>")
            .into_iter()
            .map(|mut n| {
                n.name = n.name.replace("*.s3", "<bucket>.s3");
                n
            })
            .collect(),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_private_names() {
        let names = |s| endpoint_names(s, "eu-west-1");
        assert_eq!(names("logs")[0].name, "logs.eu-west-1.amazonaws.com");
        assert_eq!(names("ecr.api")[0].name, "api.ecr.eu-west-1.amazonaws.com");
        assert_eq!(
            names("ecr.dkr")[0].name,
            "*.dkr.ecr.eu-west-1.amazonaws.com"
        );
        assert!(names("s3").is_empty());
        assert!(names("logs").iter().all(|n| !n.via_cname));
    }

    #[test]
    fn s3_virtual_hosted_and_path_style() {
        let n = s3_names(
            "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*",
            "eu-west-1",
        );
        let names: Vec<&str> = n.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com",
                "s3.eu-west-1.amazonaws.com"
            ]
        );
        assert!(n.iter().all(|n| n.via_cname));
        // A bucket moat cannot name: some name under the regional S3 domain.
        let n = s3_names("arn:aws:s3:::<unknown: parameter>/env", "eu-west-1");
        assert_eq!(n[0].name, "*.s3.eu-west-1.amazonaws.com");
    }
}
