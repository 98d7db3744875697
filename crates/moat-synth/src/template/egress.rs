//! The egress gateway's internal NLB: the one address the workloads' `HTTPS_PROXY` names.
//! It lives in the task subnets (so the workloads reach it without leaving them) and forwards
//! TCP to the gateway tasks in the egress subnets. Source:
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html>.

use super::{name_tag, Resources};
use crate::egress::PlannedEgress;
use crate::plan::{Plan, PlannedService};
use crate::tree::{r, s, sub, MapB, Node};

pub(super) fn load_balancer(svc: &PlannedService) -> String {
    format!("{}LoadBalancer", svc.logical_id)
}

pub(super) fn target_group(svc: &PlannedService) -> String {
    format!("{}TargetGroup", svc.logical_id)
}

pub(super) fn listener(svc: &PlannedService) -> String {
    format!("{}Listener", svc.logical_id)
}

/// `http://<NLB DNS name>:<port>`, for `HTTPS_PROXY` and `HTTP_PROXY`.
pub(super) fn proxy_url(plan: &Plan, eg: &PlannedEgress) -> Option<Node> {
    let gw = plan
        .services
        .iter()
        .find(|s| s.role == crate::ServiceRole::EgressGateway)?;
    Some(sub(format!(
        "http://${{{}.DNSName}}:{}",
        load_balancer(gw),
        eg.port
    )))
}

pub(super) fn emit(plan: &Plan, svc: &PlannedService, eg: &PlannedEgress, res: &mut Resources) {
    let nlb = load_balancer(svc);
    let tg = target_group(svc);
    res.add(
        &nlb,
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        MapB::new()
            .put("Type", s("network"))
            .put("Scheme", s("internal"))
            .put(
                "Subnets",
                Node::Seq(plan.subnets.iter().map(|x| r(&x.logical_id)).collect()),
            )
            .put("Tags", name_tag(plan, "egress-nlb")),
    );
    res.add(
        &tg,
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        MapB::new()
            .put("VpcId", r("Vpc"))
            .put("TargetType", s("ip"))
            .put("Protocol", s("TCP"))
            .put("Port", Node::Int(i64::from(eg.port)))
            .put("HealthCheckProtocol", s("TCP"))
            .put("Tags", name_tag(plan, "egress-targets")),
    );
    res.add(
        &listener(svc),
        "AWS::ElasticLoadBalancingV2::Listener",
        MapB::new()
            .put("LoadBalancerArn", r(&nlb))
            .put("Port", Node::Int(i64::from(eg.port)))
            .put("Protocol", s("TCP"))
            .put(
                "DefaultActions",
                Node::Seq(vec![MapB::new()
                    .put("Type", s("forward"))
                    .put("TargetGroupArn", r(&tg))
                    .build()]),
            ),
    );
}
