//! Reachability computed on the model: security groups (stateful) and network ACLs (stateless,
//! first matching rule by number wins, return traffic on ephemeral ports), per hop.
//!
//! Sources for the semantics:
//! - Security group rules: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
//! - Network ACL rule evaluation and ephemeral ports:
//!   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html and
//!   https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
//! - NACLs filter traffic entering and leaving a subnet, so two addresses in the same subnet are
//!   not filtered by it: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html

use ipnet::IpNet;
use moat_model::{
    Hop, Id, Maybe, Model, NetworkAcl, Peer, PortRange, Protocol, SecurityGroup, SgRule, Subnet,
};

/// The outcome of one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// Cannot be told from the model (the reason is shown).
    Unknown(String),
}

impl Verdict {
    pub fn is_allow(&self) -> bool {
        matches!(self, Verdict::Allow)
    }
}

/// Where traffic goes to (or comes from), as a security group or NACL rule sees it.
#[derive(Debug, Clone, Default)]
pub struct Peer2<'a> {
    /// Security groups of the peer's network interface.
    pub security_groups: Vec<&'a Id>,
    /// The address range the peer's address lies in (its subnet), when known.
    pub range: Option<IpNet>,
    /// The peer is outside the VPC (AWS public service addresses, e.g. S3 through the gateway).
    pub outside: bool,
    /// The peer is reached through a managed prefix list (the S3 gateway endpoint).
    pub via_prefix_list: bool,
}

fn range_match(rule: &IpNet, peer: &Peer2<'_>) -> Result<bool, String> {
    if peer.outside {
        // Outside addresses are unknown public ranges: only a rule covering all of them
        // (a /0) certainly matches; a rule inside private space certainly does not.
        if rule.prefix_len() == 0 {
            return Ok(true);
        }
        let private = [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
        ];
        if private
            .iter()
            .filter_map(|p| p.parse::<IpNet>().ok())
            .any(|p| p.contains(rule))
        {
            return Ok(false);
        }
        return Err(format!(
            "rule range {rule} may or may not cover the AWS service's public addresses"
        ));
    }
    match &peer.range {
        Some(r) if rule.contains(r) => Ok(true),
        Some(r) if !overlaps(rule, r) => Ok(false),
        Some(r) => Err(format!("rule range {rule} covers only part of {r}")),
        None if rule.prefix_len() == 0 => Ok(true),
        None => Err(format!(
            "the peer's address range is unknown; rule range {rule}"
        )),
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Does one security group rule admit TCP `port` to/from `peer`?
fn sg_rule_admits(rule: &SgRule, port: u16, peer: &Peer2<'_>) -> Verdict {
    match rule.admits_tcp_port(port) {
        Some(false) => return Verdict::Deny,
        None => return Verdict::Unknown("a rule's protocol or ports are unknown".into()),
        Some(true) => {}
    }
    match &rule.peer {
        Maybe::Unknown(why) => Verdict::Unknown(format!("a rule's peer is unknown ({why})")),
        Maybe::Known(Peer::SecurityGroup(Maybe::Known(id))) => {
            if peer.security_groups.contains(&id) {
                Verdict::Allow
            } else {
                Verdict::Deny
            }
        }
        Maybe::Known(Peer::SecurityGroup(Maybe::Unknown(why))) => {
            Verdict::Unknown(format!("a rule names an unknown security group ({why})"))
        }
        Maybe::Known(Peer::PrefixList(_)) => {
            // A managed prefix list rule: the S3 gateway endpoint's list is the only one an
            // isolated VPC uses for AWS services; we cannot read its id statically, so a
            // prefix-list rule counts for prefix-list peers and not for others.
            if peer.via_prefix_list {
                Verdict::Allow
            } else {
                Verdict::Deny
            }
        }
        Maybe::Known(Peer::Cidr(c)) => match range_match(c, peer) {
            Ok(true) => Verdict::Allow,
            Ok(false) => Verdict::Deny,
            Err(why) => Verdict::Unknown(why),
        },
    }
}

/// Do these security groups admit TCP `port` (egress: to `peer`; ingress: from `peer`)? A
/// network interface with several groups gets the union of their rules.
pub fn security_groups_admit(
    groups: &[&SecurityGroup],
    egress: bool,
    port: u16,
    peer: &Peer2<'_>,
) -> Verdict {
    let mut unknown = None;
    for g in groups {
        let rules = if egress { &g.egress } else { &g.ingress };
        for r in rules {
            match sg_rule_admits(r, port, peer) {
                Verdict::Allow => return Verdict::Allow,
                Verdict::Unknown(w) => unknown = unknown.or(Some(w)),
                Verdict::Deny => {}
            }
        }
    }
    match unknown {
        Some(w) => Verdict::Unknown(w),
        None => Verdict::Deny,
    }
}

/// Does `acl` admit TCP in `ports` in one direction with `peer`? Entries are evaluated in rule
/// number order; the first match decides; no match is the implicit deny.
pub fn nacl_admits(acl: &NetworkAcl, egress: bool, ports: PortRange, peer: &Peer2<'_>) -> Verdict {
    let mut entries: Vec<_> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number.known().copied().unwrap_or(u16::MAX));
    for e in entries {
        let Some(proto) = e.protocol.known() else {
            return Verdict::Unknown(format!("NACL entry protocol unknown in {}", acl.id));
        };
        if !proto.admits_tcp() {
            continue;
        }
        if *proto == Protocol::Tcp {
            match e.ports.known() {
                None => return Verdict::Unknown(format!("NACL entry ports unknown in {}", acl.id)),
                Some(Some(r)) if !r.covers(&ports) => {
                    if r.to < ports.from || r.from > ports.to {
                        continue;
                    }
                    return Verdict::Unknown(format!(
                        "NACL {} entry covers ports {}-{} of the needed {}-{}",
                        acl.id, r.from, r.to, ports.from, ports.to
                    ));
                }
                Some(_) => {}
            }
        }
        let Some(cidr) = e.cidr.known() else {
            return Verdict::Unknown(format!("NACL entry range unknown in {}", acl.id));
        };
        match range_match(cidr, peer) {
            Ok(false) => continue,
            Err(why) => return Verdict::Unknown(why),
            Ok(true) => {}
        }
        return match e.allow.known() {
            Some(true) => Verdict::Allow,
            Some(false) => Verdict::Deny,
            None => Verdict::Unknown(format!("NACL entry action unknown in {}", acl.id)),
        };
    }
    Verdict::Deny
}

/// A point in the VPC for path walking: a subnet and the security groups of the interface.
pub struct Point<'a> {
    pub subnet: &'a Subnet,
    pub security_groups: Vec<&'a SecurityGroup>,
}

/// One walked path with its hops; `blocked` is the index of the first hop that is not Allow.
#[derive(Debug, Clone)]
pub struct Walk {
    pub hops: Vec<(Hop, Verdict)>,
}

impl Walk {
    /// The first hop that does not allow, with its verdict.
    pub fn first_problem(&self) -> Option<&(Hop, Verdict)> {
        self.hops.iter().find(|(_, v)| !v.is_allow())
    }
    pub fn hops(&self) -> Vec<Hop> {
        self.hops.iter().map(|(h, _)| h.clone()).collect()
    }
    fn push(&mut self, what: impl Into<String>, resource: &str, v: Verdict) {
        self.hops.push((
            Hop {
                what: what.into(),
                resource: resource.to_string(),
                ok: v.is_allow(),
            },
            v,
        ));
    }
}

/// Walk TCP `port` from a task interface to an interface endpoint's interface: NACL out of the
/// source subnet, security group egress, NACL into the endpoint subnet, the endpoint's security
/// group ingress, and the return path through both NACLs on the ephemeral ports.
pub fn walk_to_interface(model: &Model, from: &Point<'_>, to: &Point<'_>, port: u16) -> Walk {
    let mut w = Walk { hops: Vec::new() };
    let from_ids: Vec<&Id> = from.security_groups.iter().map(|g| &g.id).collect();
    let to_ids: Vec<&Id> = to.security_groups.iter().map(|g| &g.id).collect();
    let src = Peer2 {
        security_groups: from_ids,
        range: from.subnet.cidr.known().map(|c| IpNet::V4(*c)),
        ..Default::default()
    };
    let dst = Peer2 {
        security_groups: to_ids,
        range: to.subnet.cidr.known().map(|c| IpNet::V4(*c)),
        ..Default::default()
    };
    let same_subnet = from.subnet.id == to.subnet.id;
    let p = PortRange::single(port);
    if !same_subnet {
        if let Some(acl) = model.network_acl_for_subnet(from.subnet) {
            w.push(
                format!("network ACL egress TCP {port}"),
                acl.id.as_str(),
                nacl_admits(acl, true, p, &dst),
            );
        }
    }
    let sg_names = names(&from.security_groups);
    w.push(
        format!("security group egress TCP {port}"),
        &sg_names,
        security_groups_admit(&from.security_groups, true, port, &dst),
    );
    if !same_subnet {
        if let Some(acl) = model.network_acl_for_subnet(to.subnet) {
            w.push(
                format!("network ACL ingress TCP {port}"),
                acl.id.as_str(),
                nacl_admits(acl, false, p, &src),
            );
        }
    }
    w.push(
        format!("endpoint security group ingress TCP {port}"),
        &names(&to.security_groups),
        security_groups_admit(&to.security_groups, false, port, &src),
    );
    if !same_subnet {
        if let Some(acl) = model.network_acl_for_subnet(to.subnet) {
            w.push(
                "network ACL egress (return, ephemeral ports)",
                acl.id.as_str(),
                nacl_admits(acl, true, PortRange::EPHEMERAL, &src),
            );
        }
        if let Some(acl) = model.network_acl_for_subnet(from.subnet) {
            w.push(
                "network ACL ingress (return, ephemeral ports)",
                acl.id.as_str(),
                nacl_admits(acl, false, PortRange::EPHEMERAL, &dst),
            );
        }
    }
    w
}

/// Walk TCP `port` from a task interface to an AWS service's public addresses through a gateway
/// endpoint (S3): security group egress to the prefix list (or a range covering it), NACL out and
/// back in on the ephemeral ports. The route itself is checked by the caller.
pub fn walk_to_gateway(model: &Model, from: &Point<'_>, port: u16) -> Walk {
    let mut w = Walk { hops: Vec::new() };
    let outside = Peer2 {
        outside: true,
        via_prefix_list: true,
        ..Default::default()
    };
    w.push(
        format!("security group egress TCP {port} to the S3 prefix list"),
        &names(&from.security_groups),
        security_groups_admit(&from.security_groups, true, port, &outside),
    );
    if let Some(acl) = model.network_acl_for_subnet(from.subnet) {
        let nacl_peer = Peer2 {
            outside: true,
            ..Default::default()
        };
        w.push(
            format!("network ACL egress TCP {port} to S3"),
            acl.id.as_str(),
            nacl_admits(acl, true, PortRange::single(port), &nacl_peer),
        );
        w.push(
            "network ACL ingress from S3 (return, ephemeral ports)",
            acl.id.as_str(),
            nacl_admits(acl, false, PortRange::EPHEMERAL, &nacl_peer),
        );
    }
    w
}

fn names(groups: &[&SecurityGroup]) -> String {
    if groups.is_empty() {
        return "(no security group)".into();
    }
    groups
        .iter()
        .map(|g| g.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::{NaclEntry, Provenance};

    fn entry(n: u16, egress: bool, cidr: &str, ports: Option<PortRange>, allow: bool) -> NaclEntry {
        NaclEntry {
            rule_number: Maybe::Known(n),
            egress,
            protocol: Maybe::Known(Protocol::Tcp),
            ports: Maybe::Known(ports),
            cidr: Maybe::Known(cidr.parse().unwrap()),
            allow: Maybe::Known(allow),
            prov: Provenance::default(),
        }
    }

    fn acl(entries: Vec<NaclEntry>) -> NetworkAcl {
        NetworkAcl {
            id: Id::from("Acl"),
            vpc: Maybe::Known(Id::from("VPC")),
            subnets: vec![],
            entries,
            default: false,
            prov: Provenance::default(),
        }
    }

    fn peer(cidr: &str) -> Peer2<'static> {
        Peer2 {
            range: Some(cidr.parse().unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn nacl_first_match_by_number_wins() {
        let a = acl(vec![
            entry(200, true, "0.0.0.0/0", None, true),
            entry(
                100,
                true,
                "10.0.0.0/16",
                Some(PortRange::single(443)),
                false,
            ),
        ]);
        assert_eq!(
            nacl_admits(&a, true, PortRange::single(443), &peer("10.0.1.0/24")),
            Verdict::Deny
        );
        assert_eq!(
            nacl_admits(&a, true, PortRange::single(80), &peer("10.0.1.0/24")),
            Verdict::Allow
        );
    }

    #[test]
    fn nacl_no_match_is_deny_and_partial_port_is_unknown() {
        let a = acl(vec![entry(
            100,
            false,
            "10.0.0.0/16",
            Some(PortRange {
                from: 1024,
                to: 2000,
            }),
            true,
        )]);
        assert_eq!(
            nacl_admits(&a, true, PortRange::single(443), &peer("10.0.1.0/24")),
            Verdict::Deny
        );
        assert!(matches!(
            nacl_admits(&a, false, PortRange::EPHEMERAL, &peer("10.0.1.0/24")),
            Verdict::Unknown(_)
        ));
    }

    #[test]
    fn sg_rules_by_group_and_cidr() {
        let rule = |peer: Peer, proto: Protocol, ports: Option<PortRange>| SgRule {
            protocol: Maybe::Known(proto),
            ports: Maybe::Known(ports),
            peer: Maybe::Known(peer),
            prov: Provenance::default(),
        };
        let task = Id::from("TaskSg");
        let g = SecurityGroup {
            id: Id::from("EndpointSg"),
            vpc: Maybe::Known(Id::from("VPC")),
            ingress: vec![rule(
                Peer::SecurityGroup(Maybe::Known(task.clone())),
                Protocol::Tcp,
                Some(PortRange::single(443)),
            )],
            egress: vec![],
            default: false,
            prov: Provenance::default(),
        };
        let from_task = Peer2 {
            security_groups: vec![&task],
            ..Default::default()
        };
        assert_eq!(
            security_groups_admit(&[&g], false, 443, &from_task),
            Verdict::Allow
        );
        assert_eq!(
            security_groups_admit(&[&g], false, 80, &from_task),
            Verdict::Deny
        );
        assert_eq!(
            security_groups_admit(&[&g], false, 443, &peer("10.0.0.0/24")),
            Verdict::Deny
        );
        let cidr_g = SecurityGroup {
            ingress: vec![rule(
                Peer::Cidr("10.0.0.0/16".parse().unwrap()),
                Protocol::All,
                None,
            )],
            ..g.clone()
        };
        assert_eq!(
            security_groups_admit(&[&cidr_g], false, 443, &peer("10.0.3.0/24")),
            Verdict::Allow
        );
        assert!(matches!(
            security_groups_admit(&[&cidr_g], false, 443, &peer("10.0.0.0/8")),
            Verdict::Unknown(_)
        ));
    }
}
