use super::prelude::*;
use ipnet::IpNet;
use moat_model::{Id, Peer, PrefixList, SgRule};

rule! {
    /// ## What it does
    /// For each service (other than the egress gateway) whose VPC has an S3 gateway endpoint,
    /// reports an egress rule of the service's security groups that lets TCP 443 out to public
    /// addresses (a range outside the VPC and private address space, `0.0.0.0/0` above all,
    /// AWS's default allow-all egress included) or to a prefix list moat knows is not the
    /// region's S3 list (`com.amazonaws.<region>.s3`). A prefix list known by id only is left
    /// to the reach proof, which reports it unproved.
    ///
    /// ## Why is this bad?
    /// Through the gateway endpoint the tasks need S3's addresses only, and the S3 managed
    /// prefix list is exactly those. A wider rule lets a compromised task open TCP 443 to any
    /// address the moment a route appears (a NAT or internet gateway added later, a peering),
    /// and hides from a reviewer which destinations the workload needs.
    ///
    /// ## Example
    /// ```yaml
    /// ServiceSecurityGroup:
    ///   Type: AWS::EC2::SecurityGroup
    ///   Properties:
    ///     SecurityGroupEgress:
    ///       - IpProtocol: tcp
    ///         FromPort: 443
    ///         ToPort: 443
    ///         CidrIp: 0.0.0.0/0   # "for S3"
    /// ```
    ///
    /// ## Fix
    /// Replace the rule with TCP 443 to the S3 managed prefix list (`DestinationPrefixListId`;
    /// `aws ec2 describe-managed-prefix-lists --filters
    /// Name=prefix-list-name,Values=com.amazonaws.<region>.s3` gives its id). `moat synth`
    /// writes it as the `S3PrefixListId` parameter, which `moat deploy` fills.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-securitygroup-egress.html
    pub struct ServiceEgressWiderThanS3List {
        code: "MOAT014",
        name: "service-egress-wider-than-s3-list",
        severity: Warning,
        summary: "A service's security group lets TCP 443 out beyond the S3 prefix list it needs",
    }
}

impl Rule for ServiceEgressWiderThanS3List {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut seen: Vec<(String, String)> = Vec::new();
        for v in cx.services.iter().filter(|v| !v.service.egress_gateway) {
            let Some(vpc) = &v.vpc else { continue };
            let Some(s3) = s3_list_name(cx, vpc) else {
                continue;
            };
            let vpc_ranges = vpc_cidrs(cx, Some(vpc));
            for sg in &v.security_groups {
                for rule in &sg.egress {
                    let Some(wider) = wider_than(cx, rule, &s3, &vpc_ranges) else {
                        continue;
                    };
                    let key = (sg.id.to_string(), wider.clone());
                    if seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    out.push(Self::META.finding(
                        format!(
                            "security group `{}` of service `{}` lets TCP 443 out to {wider}; through the S3 gateway endpoint the tasks need only the S3 prefix list {s3}",
                            sg.id, v.name
                        ),
                        rule.prov.clone(),
                        format!("replace the rule with egress TCP 443 to the S3 managed prefix list (DestinationPrefixListId: the id of {s3}; moat synth writes the S3PrefixListId parameter and moat deploy fills it)"),
                    ));
                }
            }
        }
    }
}

/// The service name (= the managed prefix list's name) of the S3 gateway endpoint of `vpc`.
fn s3_list_name(cx: &Context<'_>, vpc: &Id) -> Option<String> {
    cx.model
        .endpoints_for_service(vpc, "s3")
        .filter(|e| e.kind.known() == Some(&EndpointKind::Gateway))
        .find_map(|e| e.service.known().cloned())
}

/// What `rule` lets TCP 443 out to beyond the S3 list, described; `None` when it stays within
/// it (or the VPC, or private space), or when moat cannot tell.
fn wider_than(cx: &Context<'_>, rule: &SgRule, s3: &str, vpc: &[IpNet]) -> Option<String> {
    if rule.admits_tcp_port(443) != Some(true) {
        return None;
    }
    match &rule.peer {
        Maybe::Known(Peer::Cidr(c)) if is_public(c, vpc) => Some(format!("{c} (public addresses)")),
        Maybe::Known(Peer::PrefixList(Maybe::Known(id))) => {
            match cx.model.prefix_list(id).map(|l| &l.name) {
                Some(Maybe::Known(n)) if n != s3 => {
                    let whose = if PrefixList::is_aws_managed_name(n) {
                        "another AWS-managed list"
                    } else {
                        "a customer-managed list"
                    };
                    Some(format!("prefix list `{id}` ({n}, {whose})"))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether range `c` holds addresses outside the VPC and outside private, shared, loopback and
/// link-local space (RFC 1918, RFC 6598, RFC 1122, RFC 3927; IPv6 ULA and link-local).
fn is_public(c: &IpNet, vpc: &[IpNet]) -> bool {
    const INSIDE: [&str; 9] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    ];
    let private = INSIDE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(c));
    !private && !vpc.iter().any(|v| v.contains(c))
}
