use super::endpoint_blocked_by_security_group::report_blocked;
use super::prelude::*;

rule! {
    /// ## What it does
    /// Walks TCP 443 from each task subnet to each needed endpoint (and the return traffic on
    /// the ephemeral ports 1024-65535) through the network ACLs of both subnets, and reports an
    /// ACL entry (or the implicit deny) that blocks it. NACLs filter traffic between subnets, not
    /// inside one, so a task and an endpoint interface in the same subnet are not filtered.
    ///
    /// ## Why is this bad?
    /// Network ACLs are stateless: allowing TCP 443 out is not enough, the replies come back to
    /// an ephemeral port and must be allowed in. A missing return rule makes every connection
    /// hang, and the task fails with `CannotPullContainerError`.
    ///
    /// ## Example
    /// A custom NACL on the task subnets with egress TCP 443 to `10.0.0.0/16` and no inbound rule
    /// for ports 1024-65535.
    ///
    /// ## Fix
    /// On the task subnets' ACL: egress TCP 443 to the endpoint subnets and ingress TCP
    /// 1024-65535 from them; on the endpoint subnets' ACL: ingress TCP 443 from the task subnets
    /// and egress TCP 1024-65535 to them. For the S3 gateway the peer is S3's public ranges.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
    pub struct EndpointBlockedByNetworkAcl {
        code: "MOAT106",
        name: "endpoint-blocked-by-network-acl",
        severity: Error,
        summary: "A network ACL blocks TCP 443 (or its return traffic) between a task and an endpoint",
    }
}

impl Rule for EndpointBlockedByNetworkAcl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        report_blocked(cx, out, &Self::META, |hop| hop.what.contains("network ACL"));
    }
}
