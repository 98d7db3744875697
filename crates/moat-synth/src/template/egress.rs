//! The egress gateway's internal NLB: the one address the workloads' `HTTPS_PROXY` names.
//! It lives in the task subnets (so the workloads reach it without leaving them) and forwards
//! TCP to the gateway tasks in the egress subnets (see the `nlb` module).

use super::{nlb, Resources};
use crate::egress::PlannedEgress;
use crate::plan::{Plan, PlannedService};
use crate::tree::{r, s, sub, MapB, Node};

/// `http://<NLB DNS name>:<port>`, for `HTTPS_PROXY` and `HTTP_PROXY`.
pub(super) fn proxy_url(plan: &Plan, eg: &PlannedEgress) -> Option<Node> {
    let gw = plan
        .services
        .iter()
        .find(|s| s.role == crate::ServiceRole::EgressGateway)?;
    Some(sub(format!(
        "http://${{{}.DNSName}}:{}",
        nlb::load_balancer(gw),
        eg.port
    )))
}

pub(super) fn emit(plan: &Plan, svc: &PlannedService, eg: &PlannedEgress, res: &mut Resources) {
    nlb::emit(plan, svc, "egress", ("TCP", eg.port), res);
    res.add(
        &nlb::listener(svc),
        "AWS::ElasticLoadBalancingV2::Listener",
        MapB::new()
            .put("LoadBalancerArn", r(&nlb::load_balancer(svc)))
            .put("Port", Node::Int(i64::from(eg.port)))
            .put("Protocol", s("TCP"))
            .put("DefaultActions", nlb::forward_to_targets(svc)),
    );
}
