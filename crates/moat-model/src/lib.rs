//! The moat network + workload model: the hub every source feeds and every check reads.
//!
//! Three sources build a [`Model`]: a `moat.toml` spec (through synth and the CloudFormation
//! reader), a CloudFormation template (`moat-cfn`), and a live account (`moat-aws`). Every rule in
//! `moat-verify` runs on the model only, so the same rules judge a template before deployment and
//! the account after it.
//!
//! The model is plain data. Two ideas run through it:
//!
//! * **Provenance.** Every element carries a [`Provenance`]: the logical id (template) or AWS
//!   resource id (live), and where known the file, line and column it came from, so a finding can
//!   point at its cause.
//! * **Honest unknowns.** A value that cannot be known statically (an unresolved parameter, an
//!   `Fn::ImportValue`, an attribute only AWS assigns) is [`Maybe::Unknown`] with a reason, never
//!   a guessed default.
//!
//! ```
//! use moat_model::{Model, Vpc, Maybe, Provenance, Id};
//! let mut m = Model::default();
//! m.vpcs.push(Vpc {
//!     id: Id::from("VPC"),
//!     cidrs: vec![Maybe::Known("10.0.0.0/16".parse().unwrap())],
//!     dns_support: Maybe::Known(true),
//!     dns_hostnames: Maybe::Known(true),
//!     prov: Provenance::resource("VPC"),
//! });
//! assert!(m.vpc(&Id::from("VPC")).is_some());
//! ```

mod dns;
mod finding;
mod merge;
mod network;
mod policy;
mod proof;
mod prov;
mod resources;
mod value;
mod waiver;
mod workload;

pub use dns::*;
pub use finding::{Finding, Hop, Severity};
pub use network::*;
pub use policy::{
    Condition, Effect, Patterns, PermissionsBoundary, PolicyDocument, PolicyStatement, Principals,
};
pub use proof::{Property, PropertyKind, Unknown, Verdict};
pub use prov::Provenance;
pub use resources::*;
pub use value::{Id, Maybe};
pub use waiver::{apply_waivers, Suppressed, Waiver, WaiverKind};
pub use workload::*;

/// The region of a model whose region nobody named (no `--region`, no `AWS_REGION`, no cloud
/// assembly environment, no single region among the template's literals): `AWS::Region` takes
/// this value everywhere, so names built from it agree with each other (an endpoint written as
/// `com.amazonaws.${AWS::Region}.s3` is the one a task needs) while any comparison with a
/// literal region stays open. [`Model::region`] is then `Maybe::Unknown`.
pub const UNKNOWN_REGION: &str = "${AWS::Region}";

/// The account of a model whose account nobody named (no `--account-id`, no cloud assembly
/// environment, no single account among the template's ARNs and ECR registries): like
/// [`UNKNOWN_REGION`], one value `AWS::AccountId` takes everywhere. [`Model::account_id`] is then
/// `Maybe::Unknown`.
pub const UNKNOWN_ACCOUNT: &str = "${AWS::AccountId}";

use serde::Serialize;

/// The whole network + workload picture of one environment (one template tree or one account
/// scope).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// Region the environment lives in, when known (`--region`, the spec, or the live client).
    pub region: Maybe<String>,
    /// Account id, when known.
    pub account_id: Maybe<String>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub internet_gateways: Vec<InternetGateway>,
    pub nat_gateways: Vec<NatGateway>,
    pub elastic_ips: Vec<ElasticIp>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    pub endpoints: Vec<VpcEndpoint>,
    pub load_balancers: Vec<LoadBalancer>,
    pub target_groups: Vec<TargetGroup>,
    pub listeners: Vec<Listener>,
    pub endpoint_services: Vec<EndpointService>,
    pub flow_logs: Vec<FlowLog>,
    /// Managed prefix lists whose name moat knows (see [`PrefixList`]).
    pub prefix_lists: Vec<PrefixList>,
    pub clusters: Vec<Cluster>,
    pub task_definitions: Vec<TaskDefinition>,
    pub services: Vec<Service>,
    pub roles: Vec<Role>,
    pub log_groups: Vec<LogGroup>,
    /// Route 53 Resolver DNS Firewall and query logging.
    pub resolver: Resolver,
    /// Accepted findings written on the resources (`Metadata: moat: ignore`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    pub kms_keys: Vec<KmsKey>,
    pub secrets: Vec<SecretResource>,
    pub dhcp_options: Vec<DhcpOptions>,
    pub hosted_zones: Vec<HostedZone>,
    pub classic_load_balancers: Vec<ClassicLoadBalancer>,
    pub pull_through_cache_rules: Vec<PullThroughCacheRule>,
    pub bucket_policies: Vec<BucketPolicy>,
}

macro_rules! finder {
    ($name:ident, $field:ident, $ty:ty) => {
        #[doc = concat!("Look up a `", stringify!($ty), "` by id.")]
        pub fn $name(&self, id: &Id) -> Option<&$ty> {
            self.$field.iter().find(|x| &x.id == id)
        }
    };
}

impl Model {
    finder!(vpc, vpcs, Vpc);
    finder!(subnet, subnets, Subnet);
    finder!(route_table, route_tables, RouteTable);
    finder!(security_group, security_groups, SecurityGroup);
    finder!(endpoint, endpoints, VpcEndpoint);
    finder!(load_balancer, load_balancers, LoadBalancer);
    finder!(target_group, target_groups, TargetGroup);
    finder!(cluster, clusters, Cluster);
    finder!(task_definition, task_definitions, TaskDefinition);
    finder!(role, roles, Role);
    finder!(internet_gateway, internet_gateways, InternetGateway);
    finder!(nat_gateway, nat_gateways, NatGateway);
    finder!(prefix_list, prefix_lists, PrefixList);

    /// The egress zone: subnets where an egress gateway service
    /// ([`Service::egress_gateway`]) runs and no other service does. Empty when any other
    /// service's subnets are unknown (it might run there).
    pub fn egress_subnets(&self) -> std::collections::BTreeSet<Id> {
        let others = self.services.iter().filter(|s| !s.egress_gateway);
        if others
            .clone()
            .any(|s| s.subnets.iter().any(|x| x.known().is_none()))
        {
            return Default::default();
        }
        let mut zone: std::collections::BTreeSet<Id> = self
            .services
            .iter()
            .filter(|s| s.egress_gateway)
            .flat_map(|s| s.subnets.iter().filter_map(|x| x.known().cloned()))
            .collect();
        for s in others {
            for x in &s.subnets {
                if let Some(id) = x.known() {
                    zone.remove(id);
                }
            }
        }
        zone
    }

    /// Whether `svc` is an egress gateway running only in the egress zone (`zone`, from
    /// [`Model::egress_subnets`]): the one service that may have a public IP.
    pub fn gateway_in_zone(svc: &Service, zone: &std::collections::BTreeSet<Id>) -> bool {
        svc.egress_gateway
            && !svc.subnets.is_empty()
            && svc
                .subnets
                .iter()
                .all(|s| s.known().is_some_and(|id| zone.contains(id)))
    }

    /// Whether `rt` governs subnets of the egress `zone` only: explicitly associated with at
    /// least one, all known and in the zone, and not the VPC's main table (which governs every
    /// subnet without an association, including those added later).
    pub fn egress_only(rt: &RouteTable, zone: &std::collections::BTreeSet<Id>) -> bool {
        !rt.main
            && !rt.subnets.is_empty()
            && rt
                .subnets
                .iter()
                .all(|s| s.known().is_some_and(|id| zone.contains(id)))
    }

    /// The route table that governs `subnet`: its explicit association, else the VPC's main
    /// route table (`None` when the model has neither, e.g. a template that never declares one:
    /// AWS then uses the implicit main table, which holds only the `local` route).
    pub fn route_table_for_subnet(&self, subnet: &Subnet) -> Option<&RouteTable> {
        self.route_tables
            .iter()
            .find(|rt| rt.subnets.iter().any(|s| s.known() == Some(&subnet.id)))
            .or_else(|| {
                let vpc = subnet.vpc.known()?;
                self.route_tables
                    .iter()
                    .find(|rt| rt.main && rt.vpc.known() == Some(vpc))
            })
    }

    /// The network ACL that governs `subnet`: its explicit association, else the VPC's default
    /// ACL, else `None` (a template without NACLs gets the default ACL, which allows all).
    pub fn network_acl_for_subnet(&self, subnet: &Subnet) -> Option<&NetworkAcl> {
        self.network_acls
            .iter()
            .find(|n| n.subnets.iter().any(|s| s.known() == Some(&subnet.id)))
            .or_else(|| {
                let vpc = subnet.vpc.known()?;
                self.network_acls
                    .iter()
                    .find(|n| n.default && n.vpc.known() == Some(vpc))
            })
    }

    /// Every interface or gateway endpoint in `vpc` whose service name ends with `.{short}`
    /// (e.g. `ecr.dkr` matches `com.amazonaws.us-east-1.ecr.dkr`), plus those whose service name
    /// is unknown (they might be it; callers decide how to report that).
    pub fn endpoints_for_service<'a>(
        &'a self,
        vpc: &Id,
        short: &str,
    ) -> impl Iterator<Item = &'a VpcEndpoint> + 'a {
        let (vpc, short) = (vpc.clone(), short.to_string());
        self.endpoints.iter().filter(move |e| {
            e.vpc.known().is_none_or(|v| *v == vpc)
                && match &e.service {
                    Maybe::Known(name) => service_short_name(name) == short,
                    Maybe::Unknown(_) => false,
                }
        })
    }
}

/// `com.amazonaws.us-east-1.ecr.dkr` -> `ecr.dkr`; `com.amazonaws.s3-global.accesspoint` ->
/// `s3-global.accesspoint`; FIPS names (`com.amazonaws.us-east-1.ecr-fips`) keep the suffix. A
/// name that is not an AWS service name (an endpoint service `com.amazonaws.vpce.…`) is returned
/// whole.
pub fn service_short_name(full: &str) -> &str {
    let Some(rest) = full
        .strip_prefix("com.amazonaws.")
        .or_else(|| full.strip_prefix("aws.api."))
    else {
        return full;
    };
    if rest.starts_with("vpce.") {
        return full;
    }
    // The region is the next dot-separated label: it contains a dash and ends in a digit
    // (us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1), or it is the unknown region of a
    // template checked without one (`com.amazonaws.${AWS::Region}.logs`).
    match rest.split_once('.') {
        Some((region, svc))
            if region == UNKNOWN_REGION
                || (region.contains('-') && region.ends_with(|c: char| c.is_ascii_digit())) =>
        {
            svc
        }
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            service_short_name("com.amazonaws.us-east-1.ecr.dkr"),
            "ecr.dkr"
        );
        assert_eq!(service_short_name("com.amazonaws.eu-west-2.s3"), "s3");
        assert_eq!(
            service_short_name(&format!("com.amazonaws.{UNKNOWN_REGION}.ecr.dkr")),
            "ecr.dkr"
        );
        assert_eq!(
            service_short_name("com.amazonaws.us-gov-west-1.logs"),
            "logs"
        );
        assert_eq!(
            service_short_name("com.amazonaws.vpce.us-east-1.vpce-svc-0123"),
            "com.amazonaws.vpce.us-east-1.vpce-svc-0123"
        );
        assert_eq!(service_short_name("something-else"), "something-else");
    }
}
