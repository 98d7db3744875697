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
    Hop, Id, Maybe, Model, NaclEntry, NetworkAcl, Peer, PortRange, PrefixList, Protocol,
    Provenance, SecurityGroup, SgRule, Subnet, Unknown,
};

/// The outcome of one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopVerdict {
    Allow,
    Deny,
    /// Cannot be told from the model: the values it depends on, each with where it is and what
    /// settles it. Never counts as passing.
    Unknown(Vec<Unknown>),
}

impl HopVerdict {
    pub fn is_allow(&self) -> bool {
        matches!(self, HopVerdict::Allow)
    }
    fn unknown(what: impl Into<String>, prov: &Provenance, settle: impl Into<String>) -> Self {
        HopVerdict::Unknown(vec![Unknown {
            what: what.into(),
            prov: prov.clone(),
            settle: settle.into(),
        }])
    }
}

/// The other end of the traffic, as a security group or NACL rule sees it: the security groups
/// of its network interface and the range its address lies in.
#[derive(Debug, Clone, Default)]
pub struct TrafficPeer<'a> {
    /// Security groups of the peer's network interface (those found in the model).
    pub security_groups: Vec<&'a Id>,
    /// Groups of the peer's interface that are not in the model: a rule naming another group
    /// might name one of these, so it neither certainly admits nor certainly denies.
    pub unresolved_groups: Vec<Unknown>,
    /// The address range the peer's address lies in (its subnet); `Err` when unknown, with the
    /// unknown value.
    pub range: Option<Result<IpNet, Box<Unknown>>>,
    /// The peer is outside the VPC (AWS public service addresses, e.g. S3 through the gateway).
    pub outside: bool,
    /// The peer is reached through a managed prefix list (a gateway endpoint): which one.
    pub via_prefix_list: Option<ListTarget<'a>>,
}

/// The managed prefix list a gateway endpoint routes, and what the model knows of lists, so a
/// security group rule naming a list can be told to name this one.
#[derive(Debug, Clone)]
pub struct ListTarget<'a> {
    /// The list's name: the gateway endpoint's service name (`com.amazonaws.<region>.s3`),
    /// which is also the name of that service's AWS-managed prefix list. Source:
    /// https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
    pub name: &'a str,
    /// The lists whose name the model knows.
    pub known: &'a [PrefixList],
}

impl<'a> TrafficPeer<'a> {
    /// A network interface in `subnet` with `groups` (plus groups not in the model).
    pub fn interface(
        subnet: &Subnet,
        groups: &[&'a SecurityGroup],
        unresolved: &[Unknown],
    ) -> Self {
        TrafficPeer {
            security_groups: groups.iter().map(|g| &g.id).collect(),
            unresolved_groups: unresolved.to_vec(),
            range: Some(subnet_range(subnet)),
            ..Default::default()
        }
    }
}

/// A subnet's range, or the unknown that hides it.
pub fn subnet_range(subnet: &Subnet) -> Result<IpNet, Box<Unknown>> {
    match &subnet.cidr {
        Maybe::Known(c) => Ok(IpNet::V4(*c)),
        Maybe::Unknown(why) => Err(Box::new(Unknown {
            what: format!("the address range of subnet `{}` ({why})", subnet.id),
            prov: subnet.prov.field("cidr"),
            settle: "give the subnet's CidrBlock a value moat can resolve (check the template that defines it together with this one, or pass the parameter)".into(),
        })),
    }
}

/// Does `rule` (a CIDR of an SG or NACL rule at `rule_prov`) certainly match the peer? `Err`
/// carries the unknown that keeps it open.
fn range_match(
    rule: &IpNet,
    rule_prov: &Provenance,
    peer: &TrafficPeer<'_>,
) -> Result<bool, Box<Unknown>> {
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
        return Err(Box::new(Unknown {
            what: format!("whether rule range {rule} covers the AWS service's public addresses"),
            prov: rule_prov.clone(),
            settle: "use the service's managed prefix list (or 0.0.0.0/0) instead of a partial public range".into(),
        }));
    }
    match &peer.range {
        Some(Ok(r)) if rule.contains(r) => Ok(true),
        Some(Ok(r)) if !overlaps(rule, r) => Ok(false),
        Some(Ok(r)) => Err(Box::new(Unknown {
            what: format!("whether the address the peer gets in {r} falls in rule range {rule}"),
            prov: rule_prov.clone(),
            settle: format!("make the rule cover all of {r} (or reference the security group)"),
        })),
        _ if rule.prefix_len() == 0 => Ok(true),
        Some(Err(u)) => Err(u.clone()),
        None => Err(Box::new(Unknown {
            what: format!("the peer's address range, against rule range {rule}"),
            prov: rule_prov.clone(),
            settle: "reference the peer's security group instead of a range".into(),
        })),
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Does one security group rule admit TCP `port` to/from `peer`?
fn sg_rule_admits(rule: &SgRule, port: u16, peer: &TrafficPeer<'_>) -> HopVerdict {
    match rule.admits_tcp_port(port) {
        Some(false) => return HopVerdict::Deny,
        None => {
            let why = rule
                .protocol
                .why_unknown()
                .or_else(|| rule.ports.why_unknown())
                .unwrap_or("unknown");
            return HopVerdict::unknown(
                format!(
                    "the protocol or ports of a rule of security group `{}` ({why})",
                    rule.prov.resource
                ),
                &rule.prov,
                "give the rule's IpProtocol/FromPort/ToPort values moat can resolve",
            );
        }
        Some(true) => {}
    }
    match &rule.peer {
        Maybe::Unknown(why) => HopVerdict::unknown(
            format!("the peer of a rule of `{}` ({why})", rule.prov.resource),
            &rule.prov.field("peer"),
            "check the template that defines the peer together with this one, or pass the value",
        ),
        Maybe::Known(Peer::SecurityGroup(Maybe::Known(id))) => {
            if peer.security_groups.contains(&id) {
                HopVerdict::Allow
            } else if !peer.unresolved_groups.is_empty() {
                // The peer has groups moat cannot see; `id` may be one of them.
                HopVerdict::Unknown(peer.unresolved_groups.clone())
            } else {
                HopVerdict::Deny
            }
        }
        Maybe::Known(Peer::SecurityGroup(Maybe::Unknown(why))) => HopVerdict::unknown(
            format!(
                "the security group a rule of `{}` names ({why})",
                rule.prov.resource
            ),
            &rule.prov,
            "check the template that defines that security group together with this one",
        ),
        Maybe::Known(Peer::PrefixList(list)) => match &peer.via_prefix_list {
            // A prefix list holds outside addresses; a peer inside the VPC is not in it.
            None => HopVerdict::Deny,
            Some(target) => prefix_list_admits(rule, list, target),
        },
        Maybe::Known(Peer::Cidr(c)) => match range_match(c, &rule.prov.field("peer"), peer) {
            Ok(true) => HopVerdict::Allow,
            Ok(false) => HopVerdict::Deny,
            Err(u) => HopVerdict::Unknown(vec![*u]),
        },
    }
}

/// Does a rule naming prefix list `list` admit the addresses of `target`? Only when moat knows
/// the list by name and the name is the target's: a list whose id alone is known (a literal
/// `pl-…`, a parameter value) may be any list, and a customer-managed list may hold anything,
/// so both are unknown; another AWS-managed list holds another service's addresses (deny).
fn prefix_list_admits(rule: &SgRule, list: &Maybe<Id>, target: &ListTarget<'_>) -> HopVerdict {
    let by_hand = format!(
        "`aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values={}` gives its id",
        target.name
    );
    let id = match list {
        Maybe::Known(id) => id,
        Maybe::Unknown(why) => {
            return HopVerdict::unknown(
                format!(
                    "the prefix list a rule of `{}` names ({why})",
                    rule.prov.resource
                ),
                &rule.prov.field("peer"),
                format!("give the prefix list id a value moat can resolve ({by_hand})"),
            )
        }
    };
    let Some(known) = target.known.iter().find(|l| &l.id == id) else {
        return HopVerdict::unknown(
            format!(
                "whether prefix list `{id}`, which a rule of `{}` names, is {}: moat knows the list's id, not its name",
                rule.prov.resource, target.name
            ),
            &rule.prov.field("peer"),
            format!(
                "leave the template's prefix list parameter unset for `moat check` (moat's templates declare what it stands for; `moat deploy` fills it and checks the name), or run `moat audit` once deployed, which reads the list's name ({by_hand})"
            ),
        );
    };
    match &known.name {
        Maybe::Known(n) if n == target.name => HopVerdict::Allow,
        // `com.amazonaws.${AWS::Region}.s3` against a literal region: the region decides.
        Maybe::Known(n)
            if n.contains(moat_model::UNKNOWN_REGION)
                || target.name.contains(moat_model::UNKNOWN_REGION) =>
        {
            HopVerdict::unknown(
                format!(
                    "whether prefix list `{id}` ({n}), which a rule of `{}` names, is {}: the region is unknown",
                    rule.prov.resource, target.name
                ),
                &rule.prov.field("peer"),
                "pass --region (or AWS_REGION)",
            )
        }
        Maybe::Known(n) if PrefixList::is_aws_managed_name(n) => HopVerdict::Deny,
        Maybe::Known(n) => HopVerdict::unknown(
            format!(
                "whether prefix list `{id}` ({n}, not AWS-managed), which a rule of `{}` names, holds the addresses of {}",
                rule.prov.resource, target.name
            ),
            &rule.prov.field("peer"),
            format!("name the AWS-managed list {} instead ({by_hand})", target.name),
        ),
        Maybe::Unknown(why) => HopVerdict::unknown(
            format!("the name of prefix list `{id}` ({why})"),
            &known.prov,
            format!("name the AWS-managed list {} ({by_hand})", target.name),
        ),
    }
}

/// Do these security groups admit TCP `port` (egress: to `peer`; ingress: from `peer`)? A
/// network interface with several groups gets the union of their rules. `unresolved` are groups
/// of this interface that are not in the model: they might admit what the others do not, so
/// without an allowing rule the answer is unknown, not deny.
pub fn security_groups_admit(
    groups: &[&SecurityGroup],
    unresolved: &[Unknown],
    egress: bool,
    port: u16,
    peer: &TrafficPeer<'_>,
) -> HopVerdict {
    let mut unknowns: Vec<Unknown> = Vec::new();
    for g in groups {
        let rules = if egress { &g.egress } else { &g.ingress };
        for r in rules {
            match sg_rule_admits(r, port, peer) {
                HopVerdict::Allow => return HopVerdict::Allow,
                HopVerdict::Unknown(u) => push_new(&mut unknowns, u),
                HopVerdict::Deny => {}
            }
        }
    }
    push_new(&mut unknowns, unresolved.to_vec());
    if unknowns.is_empty() {
        HopVerdict::Deny
    } else {
        HopVerdict::Unknown(unknowns)
    }
}

fn push_new(into: &mut Vec<Unknown>, more: Vec<Unknown>) {
    for u in more {
        if !into.contains(&u) {
            into.push(u);
        }
    }
}

/// Does `acl` admit TCP in `ports` in one direction with `peer`? Entries are evaluated in rule
/// number order; the first match decides; no match is the implicit deny. An entry whose number
/// is unknown may come before any other: unless it certainly does not match, or would decide
/// the same, the outcome is unknown.
pub fn nacl_admits(
    acl: &NetworkAcl,
    egress: bool,
    ports: PortRange,
    peer: &TrafficPeer<'_>,
) -> HopVerdict {
    let (mut numbered, unnumbered): (Vec<&NaclEntry>, Vec<&NaclEntry>) = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress)
        .partition(|e| e.rule_number.is_known());
    numbered.sort_by_key(|e| e.rule_number.known().copied().unwrap_or(u16::MAX));
    let decided = numbered
        .iter()
        .find_map(|e| entry_decides(acl, e, ports, peer))
        .unwrap_or(HopVerdict::Deny);
    for e in unnumbered {
        let Some(alone) = entry_decides(acl, e, ports, peer) else {
            continue;
        };
        if matches!(alone, HopVerdict::Allow | HopVerdict::Deny) && alone == decided {
            continue;
        }
        let why = e.rule_number.why_unknown().unwrap_or("unknown");
        return HopVerdict::unknown(
            format!("the rule number of an entry of network ACL `{}` ({why}), which decides the evaluation order", acl.id),
            &e.prov,
            "give the entry's RuleNumber a value moat can resolve",
        );
    }
    decided
}

/// What one NACL entry decides for TCP in `ports` with `peer`: `None` when it certainly does
/// not match (evaluation goes on), else its action (or the unknown that hides it).
fn entry_decides(
    acl: &NetworkAcl,
    e: &NaclEntry,
    ports: PortRange,
    peer: &TrafficPeer<'_>,
) -> Option<HopVerdict> {
    let settle = "give the entry values moat can resolve";
    let unknown = |what: String| Some(HopVerdict::unknown(what, &e.prov, settle));
    let proto = match &e.protocol {
        Maybe::Known(p) => p,
        Maybe::Unknown(why) => {
            return unknown(format!(
                "the protocol of an entry of network ACL `{}` ({why})",
                acl.id
            ))
        }
    };
    if !proto.admits_tcp() {
        return None;
    }
    if *proto == Protocol::Tcp {
        match &e.ports {
            Maybe::Unknown(why) => {
                return unknown(format!(
                    "the ports of an entry of network ACL `{}` ({why})",
                    acl.id
                ))
            }
            Maybe::Known(Some(r)) if !r.covers(&ports) => {
                if r.to < ports.from || r.from > ports.to {
                    return None;
                }
                return Some(HopVerdict::unknown(
                    format!(
                        "which port in {}-{} the traffic uses: network ACL `{}` entry admits only {}-{}",
                        ports.from, ports.to, acl.id, r.from, r.to
                    ),
                    &e.prov,
                    format!("make the entry cover ports {}-{}", ports.from, ports.to),
                ));
            }
            Maybe::Known(_) => {}
        }
    }
    let cidr = match &e.cidr {
        Maybe::Known(c) => c,
        Maybe::Unknown(why) => {
            return unknown(format!(
                "the range of an entry of network ACL `{}` ({why})",
                acl.id
            ))
        }
    };
    match range_match(cidr, &e.prov.field("cidr"), peer) {
        Ok(false) => return None,
        Err(u) => return Some(HopVerdict::Unknown(vec![*u])),
        Ok(true) => {}
    }
    match &e.allow {
        Maybe::Known(true) => Some(HopVerdict::Allow),
        Maybe::Known(false) => Some(HopVerdict::Deny),
        Maybe::Unknown(why) => unknown(format!(
            "the action of an entry of network ACL `{}` ({why})",
            acl.id
        )),
    }
}

/// The network ACL that governs `subnet`, or the unknown association that hides it: an ACL
/// associated with a subnet moat cannot name might be this subnet's.
pub fn governing_acl<'m>(
    model: &'m Model,
    subnet: &Subnet,
) -> Result<Option<&'m NetworkAcl>, Box<Unknown>> {
    let explicit = model
        .network_acls
        .iter()
        .find(|n| n.subnets.iter().any(|s| s.known() == Some(&subnet.id)));
    if explicit.is_some() {
        return Ok(explicit);
    }
    if let Some((acl, why)) = model.network_acls.iter().find_map(|n| {
        n.subnets
            .iter()
            .find_map(|s| s.why_unknown())
            .map(|why| (n, why))
    }) {
        return Err(Box::new(Unknown {
            what: format!(
                "which subnet network ACL `{}` is associated with ({why}); it might be `{}`'s",
                acl.id, subnet.id
            ),
            prov: acl.prov.clone(),
            settle: "give the SubnetNetworkAclAssociation's SubnetId a value moat can resolve"
                .into(),
        }));
    }
    Ok(model.network_acl_for_subnet(subnet))
}

/// A point in the VPC for path walking: a subnet and the security groups of the interface.
pub struct Point<'a> {
    pub subnet: &'a Subnet,
    pub security_groups: Vec<&'a SecurityGroup>,
    /// Security groups of the interface that are not in the model.
    pub unresolved_groups: Vec<Unknown>,
}

impl<'a> Point<'a> {
    fn peer(&self) -> TrafficPeer<'a> {
        TrafficPeer::interface(self.subnet, &self.security_groups, &self.unresolved_groups)
    }
}

/// One walked path with its hops and their verdicts.
#[derive(Debug, Clone)]
pub struct Walk {
    pub hops: Vec<(Hop, HopVerdict)>,
}

impl Walk {
    /// The first hop that does not allow, with its verdict.
    pub fn first_problem(&self) -> Option<&(Hop, HopVerdict)> {
        self.hops.iter().find(|(_, v)| !v.is_allow())
    }
    pub fn hops(&self) -> Vec<Hop> {
        self.hops.iter().map(|(h, _)| h.clone()).collect()
    }
    /// The path's verdict: refuted at the first denying hop, else unproved while any hop is
    /// unknown (all their unknowns), else proved.
    pub fn verdict(&self) -> moat_model::Verdict {
        if let Some((hop, _)) = self.hops.iter().find(|(_, v)| *v == HopVerdict::Deny) {
            return moat_model::Verdict::Refuted(format!(
                "{} on `{}` blocks it",
                hop.what, hop.resource
            ));
        }
        let mut unknowns = Vec::new();
        for (_, v) in &self.hops {
            if let HopVerdict::Unknown(u) = v {
                push_new(&mut unknowns, u.clone());
            }
        }
        if unknowns.is_empty() {
            moat_model::Verdict::Proved
        } else {
            moat_model::Verdict::Unproved(unknowns)
        }
    }
    fn push(&mut self, what: impl Into<String>, resource: &str, v: HopVerdict) {
        self.hops.push((
            Hop {
                what: what.into(),
                resource: resource.to_string(),
                ok: v.is_allow(),
            },
            v,
        ));
    }
    /// A NACL hop through the ACL governing `subnet` (none: the default ACL, which allows all).
    fn push_acl(
        &mut self,
        model: &Model,
        subnet: &Subnet,
        what: String,
        check: impl FnOnce(&NetworkAcl) -> HopVerdict,
    ) {
        match governing_acl(model, subnet) {
            Ok(Some(acl)) => self.push(what, acl.id.as_str(), check(acl)),
            Ok(None) => {}
            Err(u) => self.push(
                what,
                &format!("network ACL of `{}`", subnet.id),
                HopVerdict::Unknown(vec![*u]),
            ),
        }
    }
}

/// Walk TCP `port` from a task interface to an interface endpoint's interface: NACL out of the
/// source subnet, security group egress, NACL into the endpoint subnet, the endpoint's security
/// group ingress, and the return path through both NACLs on the ephemeral ports.
pub fn walk_to_interface(model: &Model, from: &Point<'_>, to: &Point<'_>, port: u16) -> Walk {
    let mut w = Walk { hops: Vec::new() };
    let src = from.peer();
    let dst = to.peer();
    let same_subnet = from.subnet.id == to.subnet.id;
    let p = PortRange::single(port);
    if !same_subnet {
        w.push_acl(
            model,
            from.subnet,
            format!("network ACL egress TCP {port}"),
            |acl| nacl_admits(acl, true, p, &dst),
        );
    }
    w.push(
        format!("security group egress TCP {port}"),
        &names(&from.security_groups),
        security_groups_admit(
            &from.security_groups,
            &from.unresolved_groups,
            true,
            port,
            &dst,
        ),
    );
    if !same_subnet {
        w.push_acl(
            model,
            to.subnet,
            format!("network ACL ingress TCP {port}"),
            |acl| nacl_admits(acl, false, p, &src),
        );
    }
    w.push(
        format!("endpoint security group ingress TCP {port}"),
        &names(&to.security_groups),
        security_groups_admit(
            &to.security_groups,
            &to.unresolved_groups,
            false,
            port,
            &src,
        ),
    );
    if !same_subnet {
        w.push_acl(
            model,
            to.subnet,
            "network ACL egress (return, ephemeral ports)".into(),
            |acl| nacl_admits(acl, true, PortRange::EPHEMERAL, &src),
        );
        w.push_acl(
            model,
            from.subnet,
            "network ACL ingress (return, ephemeral ports)".into(),
            |acl| nacl_admits(acl, false, PortRange::EPHEMERAL, &dst),
        );
    }
    w
}

/// Walk TCP `port` from a task interface to an AWS service's public addresses through a gateway
/// endpoint (S3): security group egress to the service's prefix list `list` (the endpoint's
/// service name; or a range covering every outside address), NACL out and back in on the
/// ephemeral ports. The route itself is checked by the caller.
pub fn walk_to_gateway(model: &Model, from: &Point<'_>, list: &str, port: u16) -> Walk {
    let mut w = Walk { hops: Vec::new() };
    let outside = TrafficPeer {
        outside: true,
        via_prefix_list: Some(ListTarget {
            name: list,
            known: &model.prefix_lists,
        }),
        ..Default::default()
    };
    let which = if list.ends_with(".s3") {
        "the S3 prefix list".to_string()
    } else {
        format!("prefix list {list}")
    };
    w.push(
        format!("security group egress TCP {port} to {which}"),
        &names(&from.security_groups),
        security_groups_admit(
            &from.security_groups,
            &from.unresolved_groups,
            true,
            port,
            &outside,
        ),
    );
    let nacl_peer = TrafficPeer {
        outside: true,
        ..Default::default()
    };
    w.push_acl(
        model,
        from.subnet,
        format!("network ACL egress TCP {port} to S3"),
        |acl| nacl_admits(acl, true, PortRange::single(port), &nacl_peer),
    );
    w.push_acl(
        model,
        from.subnet,
        "network ACL ingress from S3 (return, ephemeral ports)".into(),
        |acl| nacl_admits(acl, false, PortRange::EPHEMERAL, &nacl_peer),
    );
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
#[path = "reach_tests.rs"]
mod tests;
