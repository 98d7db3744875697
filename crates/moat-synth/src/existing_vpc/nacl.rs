//! The task subnets' network ACLs: do they let the tasks' HTTPS out and the replies back in?
//! NACLs are stateless and evaluated lowest rule number first, the first matching rule
//! deciding (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>); a reply comes
//! back to an ephemeral port, 1024-65535 for the clients moat runs
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>).

use super::{Change, NetworkRequest, VpcPlan};
use crate::plan::Plan;
use ipnet::IpNet;
use moat_model::{Id, Model, NetworkAcl, Protocol};

/// A NACL entry moat asks for (and adds with `allow_route_changes`).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub acl: String,
    pub rule_number: u16,
    pub egress: bool,
    pub from: u16,
    pub to: u16,
    pub cidr: String,
}

/// One kind of traffic a NACL must allow.
struct Flow {
    egress: bool,
    from: u16,
    to: u16,
    cidr: IpNet,
    why: String,
}

/// Where the first rule that stops `f` (or leaves it to the implicit deny) is, or `None` when
/// a rule allows all of it before any rule denies part of it. An entry with a part moat could
/// not read stops the walk too: only a whole, known allow counts.
fn blocked_at(acl: &NetworkAcl, f: &Flow) -> Option<u16> {
    let mut entries: Vec<_> = acl
        .entries
        .iter()
        .filter(|e| e.egress == f.egress)
        .collect();
    entries.sort_by_key(|e| e.rule_number.known().copied().unwrap_or(0));
    for e in entries {
        let number = e.rule_number.known().copied().unwrap_or(1);
        let (Some(proto), Some(ports), Some(cidr), Some(allow)) = (
            e.protocol.known(),
            e.ports.known(),
            e.cidr.known(),
            e.allow.known(),
        ) else {
            return Some(number);
        };
        if !matches!(proto, Protocol::All | Protocol::Tcp) {
            continue;
        }
        let overlaps_ports = ports.is_none_or(|p| p.from <= f.to && f.from <= p.to);
        let overlaps_net = cidr.contains(&f.cidr) || f.cidr.contains(cidr);
        if !overlaps_ports || !overlaps_net {
            continue;
        }
        let covers_ports = ports.is_none_or(|p| p.from <= f.from && f.to <= p.to);
        match (*allow, covers_ports && cidr.contains(&f.cidr)) {
            (true, true) => return None,
            (true, false) => continue,
            (false, _) => return Some(number),
        }
    }
    Some(32767)
}

/// The flows the tasks need through their subnets' NACL.
fn flows(plan: &Plan, vp: &VpcPlan) -> Vec<Flow> {
    let mut out = Vec::new();
    let uses_s3 = plan.has_s3_gateway() || vp.reused.iter().any(|r| r.name == "s3");
    let endpoints_here = plan.interface_endpoints().next().is_some();
    for c in vp.vpc_cidrs.iter().filter_map(|c| c.parse::<IpNet>().ok()) {
        out.push(Flow {
            egress: true,
            from: 443,
            to: 443,
            cidr: c,
            why: format!("HTTPS out to the interface endpoints in {c}"),
        });
        out.push(Flow {
            egress: false,
            from: 1024,
            to: 65535,
            cidr: c,
            why: format!("the endpoints' replies from {c} to the tasks' ephemeral ports"),
        });
        if endpoints_here {
            out.push(Flow {
                egress: false,
                from: 443,
                to: 443,
                cidr: c,
                why: format!("HTTPS into moat's interface endpoints in these subnets, from {c}"),
            });
            out.push(Flow {
                egress: true,
                from: 1024,
                to: 65535,
                cidr: c,
                why: format!("moat's interface endpoints' replies to {c}"),
            });
        }
    }
    if uses_s3 {
        // S3's addresses are public and NACLs take no prefix lists: the AWS guidance for a
        // gateway endpoint is a rule for S3's ranges, 0.0.0.0/0 when those cannot be listed.
        // https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
        let any: IpNet = "0.0.0.0/0".parse().unwrap_or(IpNet::V4(Default::default()));
        out.push(Flow {
            egress: true,
            from: 443,
            to: 443,
            cidr: any,
            why: "HTTPS to S3 through the gateway endpoint (S3's public ranges)".into(),
        });
        out.push(Flow {
            egress: false,
            from: 1024,
            to: 65535,
            cidr: any,
            why: "S3's replies to the tasks' ephemeral ports".into(),
        });
    }
    out
}

/// A request per flow a task subnet's NACL does not allow.
pub(super) fn requests(plan: &Plan, live: &Model, vp: &mut VpcPlan) {
    let mut acls: Vec<String> = vp
        .subnets
        .iter()
        .filter_map(|s| s.network_acl.clone())
        .collect();
    acls.dedup();
    let flows = flows(plan, vp);
    for id in acls {
        let Some(acl) = live
            .network_acls
            .iter()
            .find(|n| n.id == Id::from(id.as_str()))
        else {
            continue;
        };
        let mut used: Vec<(bool, u16)> = acl
            .entries
            .iter()
            .filter_map(|e| e.rule_number.known().map(|n| (e.egress, *n)))
            .collect();
        for f in &flows {
            let Some(before) = blocked_at(acl, f) else {
                continue;
            };
            let free = (1..before).rev().find(|n| !used.contains(&(f.egress, *n)));
            let Some(rule_number) = free else {
                vp.questions.push(format!("network ACL {id} denies {} at rule {before}, with no free rule number before it: the network team must renumber", f.why));
                continue;
            };
            used.push((f.egress, rule_number));
            let entry = Entry {
                acl: id.clone(),
                rule_number,
                egress: f.egress,
                from: f.from,
                to: f.to,
                cidr: f.cidr.to_string(),
            };
            vp.requests
                .push(request(entry, &f.why, vp.allow_route_changes));
        }
    }
}

fn request(e: Entry, why: &str, made_by_moat: bool) -> NetworkRequest {
    let dir = if e.egress { "outbound" } else { "inbound" };
    NetworkRequest {
        what: format!("network ACL {}: allow {dir} TCP {}-{} {} {} (rule {})", e.acl, e.from, e.to, if e.egress { "to" } else { "from" }, e.cidr, e.rule_number),
        why: format!("the task subnets' NACL does not allow {why}"),
        api_call: format!(
            "aws ec2 create-network-acl-entry --network-acl-id {} {} --rule-number {} --protocol tcp --port-range From={},To={} --cidr-block {} --rule-action allow",
            e.acl, if e.egress { "--egress" } else { "--ingress" }, e.rule_number, e.from, e.to, e.cidr
        ),
        template_snippet: format!(
            "MoatNaclEntry{}:\n  Type: AWS::EC2::NetworkAclEntry\n  Properties:\n    NetworkAclId: {}\n    RuleNumber: {}\n    Protocol: 6\n    RuleAction: allow\n    Egress: {}\n    CidrBlock: {}\n    PortRange: {{From: {}, To: {}}}\n",
            e.rule_number, e.acl, e.rule_number, e.egress, e.cidr, e.from, e.to
        ),
        made_by_moat,
        change: Change::NaclEntry(e),
    }
}
