//! Private ingress: an internal NLB in the isolated subnets, published as a VPC endpoint
//! service. Sources:
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/create-endpoint-service.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html>.

use super::{name_tag, nlb, Resources};
use crate::plan::{Plan, PlannedIngress, PlannedService};
use crate::tree::{r, s, MapB, Node};

/// TLS 1.3/1.2 policy for TLS listeners (ELB's recommended default).
const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

pub(super) fn emit(plan: &Plan, svc: &PlannedService, ing: &PlannedIngress, res: &mut Resources) {
    let id = &svc.logical_id;
    let nlb = nlb::load_balancer(svc);
    // `reencrypt`: the NLB opens a new TLS connection to the task (a TLS target group).
    let target_protocol = if ing.tls == "reencrypt" { "TLS" } else { "TCP" };
    nlb::emit(
        plan,
        svc,
        &svc.name,
        (target_protocol, ing.container_port),
        res,
    );
    let listener = MapB::new()
        .put("LoadBalancerArn", r(&nlb))
        .put("Port", Node::Int(i64::from(ing.port)))
        .put("DefaultActions", nlb::forward_to_targets(svc));
    // `terminate` and `reencrypt`: the NLB ends the client's TLS with the certificate (seed
    // 003's first option); `passthrough`: a TCP listener, and the task terminates TLS itself.
    // The spec guarantees a certificate exactly when the mode is not `passthrough`.
    let listener = match (&ing.certificate_arn, ing.tls) {
        (Some(cert), "terminate" | "reencrypt") => listener
            .put("Protocol", s("TLS"))
            .put("SslPolicy", s(TLS_POLICY))
            .put(
                "Certificates",
                Node::Seq(vec![MapB::new().put("CertificateArn", s(cert)).build()]),
            ),
        _ => listener.put("Protocol", s("TCP")),
    };
    res.add(
        &nlb::listener(svc),
        "AWS::ElasticLoadBalancingV2::Listener",
        listener,
    );
    let eps = format!("{id}EndpointService");
    res.add(
        &eps,
        "AWS::EC2::VPCEndpointService",
        MapB::new()
            .put("NetworkLoadBalancerArns", Node::Seq(vec![r(&nlb)]))
            .put("AcceptanceRequired", Node::Bool(ing.acceptance_required))
            .put(
                "Tags",
                name_tag(plan, &format!("{}-endpoint-service", svc.name)),
            ),
    );
    if !ing.allowed_principals.is_empty() {
        res.add(
            &format!("{id}EndpointServicePermissions"),
            "AWS::EC2::VPCEndpointServicePermissions",
            MapB::new().put("ServiceId", r(&eps)).put(
                "AllowedPrincipals",
                Node::Seq(ing.allowed_principals.iter().map(s).collect()),
            ),
        );
    }
}
