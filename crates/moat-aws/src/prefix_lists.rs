//! Managed prefix lists by name and by id, through `ec2:DescribeManagedPrefixLists`
//! (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeManagedPrefixLists.html;
//! filter `prefix-list-name`). An AWS-managed list is named for whose addresses it holds
//! (`com.amazonaws.<region>.s3`):
//! https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
//!
//! `moat deploy` fills a template's prefix list parameter from the name; `moat audit` names the
//! lists the live security group rules and routes give by id, so the reach proof knows which
//! list a rule names.

use crate::error::sdk;
use crate::{Aws, AwsError};
use aws_sdk_ec2::types::Filter;
use moat_model::{Maybe, Model, Peer, PrefixList, Provenance, RouteDestination};

fn from_sdk(l: &aws_sdk_ec2::types::ManagedPrefixList) -> Option<PrefixList> {
    let id = l.prefix_list_id()?;
    Some(PrefixList {
        id: id.into(),
        name: match l.prefix_list_name() {
            Some(n) => Maybe::Known(n.to_string()),
            None => Maybe::unknown("DescribeManagedPrefixLists gave the list no name"),
        },
        prov: Provenance::resource(id),
    })
}

/// The managed prefix list named `name` (`com.amazonaws.us-east-1.s3`), if the region has one.
pub async fn managed_prefix_list(aws: &Aws, name: &str) -> Result<Option<PrefixList>, AwsError> {
    let out = aws
        .ec2
        .describe_managed_prefix_lists()
        .filters(
            Filter::builder()
                .name("prefix-list-name")
                .values(name)
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk("ec2:DescribeManagedPrefixLists", e))?;
    Ok(out
        .prefix_lists()
        .iter()
        .filter(|l| l.prefix_list_name() == Some(name))
        .find_map(from_sdk))
}

/// The lists with these ids, as AWS names them (an id AWS does not return is left out: the
/// proof then knows it by id only). A `prefix-list-id` filter, not `PrefixListIds`, so one id
/// that is gone does not fail the whole read.
pub async fn prefix_lists_by_id(aws: &Aws, ids: &[String]) -> Result<Vec<PrefixList>, AwsError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = aws
        .ec2
        .describe_managed_prefix_lists()
        .filters(
            Filter::builder()
                .name("prefix-list-id")
                .set_values(Some(ids.to_vec()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk("ec2:DescribeManagedPrefixLists", e))?;
    Ok(out.prefix_lists().iter().filter_map(from_sdk).collect())
}

/// The prefix list ids the model's security group rules and routes name, once each.
pub fn named_prefix_list_ids(m: &Model) -> Vec<String> {
    let rules = m
        .security_groups
        .iter()
        .flat_map(|g| g.ingress.iter().chain(&g.egress))
        .filter_map(|r| match &r.peer {
            Maybe::Known(Peer::PrefixList(Maybe::Known(id))) => Some(id.as_str()),
            _ => None,
        });
    let routes = m
        .route_tables
        .iter()
        .flat_map(|t| &t.routes)
        .filter_map(|r| match &r.destination {
            Maybe::Known(RouteDestination::PrefixList(Maybe::Known(id))) => Some(id.as_str()),
            _ => None,
        });
    let mut ids: Vec<String> = Vec::new();
    for id in rules.chain(routes) {
        if !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// Name the lists the audited model's rules and routes give by id.
pub(crate) async fn read_prefix_list_names(aws: &Aws, m: &mut Model) -> Result<(), AwsError> {
    let ids = named_prefix_list_ids(m);
    for l in prefix_lists_by_id(aws, &ids).await? {
        if m.prefix_list(&l.id).is_none() {
            m.prefix_lists.push(l);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::{
        Id, PortRange, Protocol, Route, RouteTable, RouteTarget, SecurityGroup, SgRule,
    };

    /// The ids audit asks AWS to name: those of rules and routes, once each; a rule whose
    /// list is unknown, or a CIDR, asks nothing.
    #[test]
    fn rules_and_routes_name_the_lists_to_read() {
        let rule = |peer: Peer| SgRule {
            protocol: Maybe::Known(Protocol::Tcp),
            ports: Maybe::Known(Some(PortRange::single(443))),
            peer: Maybe::Known(peer),
            prov: Provenance::resource("sg-1"),
        };
        let mut m = Model::default();
        m.security_groups.push(SecurityGroup {
            id: Id::from("sg-1"),
            vpc: Maybe::Known(Id::from("vpc-1")),
            ingress: vec![rule(Peer::PrefixList(Maybe::Known(Id::from("pl-b"))))],
            egress: vec![
                rule(Peer::PrefixList(Maybe::Known(Id::from("pl-a")))),
                rule(Peer::PrefixList(Maybe::unknown("not read"))),
                rule(Peer::Cidr("0.0.0.0/0".parse().unwrap())),
            ],
            default: false,
            prov: Provenance::resource("sg-1"),
        });
        m.route_tables.push(RouteTable {
            id: Id::from("rtb-1"),
            vpc: Maybe::Known(Id::from("vpc-1")),
            main: false,
            subnets: vec![],
            routes: vec![Route {
                destination: Maybe::Known(RouteDestination::PrefixList(Maybe::Known(Id::from(
                    "pl-a",
                )))),
                target: RouteTarget::VpcEndpoint(Maybe::Known(Id::from("vpce-1"))),
                prov: Provenance::resource("rtb-1"),
            }],
            prov: Provenance::resource("rtb-1"),
        });
        assert_eq!(named_prefix_list_ids(&m), ["pl-b", "pl-a"]);
    }
}
