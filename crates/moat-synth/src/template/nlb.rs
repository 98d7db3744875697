//! The internal NLB that private ingress and the egress gateway both put in front of a
//! service: in the task subnets, forwarding TCP to the tasks' IP addresses. Source:
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html>.

use super::network::subnet_refs;
use super::{name_tag, posture, Attrs, Resources};
use crate::plan::{Plan, PlannedService};
use crate::tree::{r, s, MapB, Node};

pub(super) fn load_balancer(svc: &PlannedService) -> String {
    format!("{}LoadBalancer", svc.logical_id)
}

pub(super) fn target_group(svc: &PlannedService) -> String {
    format!("{}TargetGroup", svc.logical_id)
}

pub(super) fn listener(svc: &PlannedService) -> String {
    format!("{}Listener", svc.logical_id)
}

/// The NLB and its IP target group on `target_protocol` (`TCP`, or `TLS` to re-encrypt to the
/// task) and `target_port`, health-checked over TCP (a TLS target group's health check may be
/// TCP), tagged `{tag}-nlb` and `{tag}-targets`. The listener is the caller's: its port and
/// protocol differ. Source:
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html>.
pub(super) fn emit(
    plan: &Plan,
    svc: &PlannedService,
    tag: &str,
    (target_protocol, target_port): (&str, u16),
    res: &mut Resources,
) {
    // Access logs need the bucket policy in place before the attribute is set.
    res.add_with(
        &load_balancer(svc),
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        Attrs {
            depends_on: vec![posture::ACCESS_LOG_BUCKET_POLICY.to_string()],
            ..Attrs::default()
        },
        MapB::new()
            .put("Type", s("network"))
            .put("Scheme", s("internal"))
            .put("Subnets", subnet_refs(plan))
            .put(
                "LoadBalancerAttributes",
                posture::load_balancer_attributes(),
            )
            .put("Tags", name_tag(plan, &format!("{tag}-nlb"))),
    );
    res.add(
        &target_group(svc),
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        MapB::new()
            .put("VpcId", r("Vpc"))
            .put("TargetType", s("ip"))
            .put("Protocol", s(target_protocol))
            .put("Port", Node::Int(i64::from(target_port)))
            .put("HealthCheckProtocol", s("TCP"))
            .put("Tags", name_tag(plan, &format!("{tag}-targets"))),
    );
}

/// A listener's `DefaultActions`: forward everything to the service's target group.
pub(super) fn forward_to_targets(svc: &PlannedService) -> Node {
    Node::Seq(vec![MapB::new()
        .put("Type", s("forward"))
        .put("TargetGroupArn", r(&target_group(svc)))
        .build()])
}

/// The ECS service's `LoadBalancers` value: `container` on `port` registers in the service's
/// target group.
pub(super) fn service_registration(svc: &PlannedService, container: &str, port: u16) -> Node {
    Node::Seq(vec![MapB::new()
        .put("ContainerName", s(container))
        .put("ContainerPort", Node::Int(i64::from(port)))
        .put("TargetGroupArn", r(&target_group(svc)))
        .build()])
}
