use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds task subnets in an Availability Zone where a needed interface endpoint has no
    /// network interface.
    ///
    /// ## Why is this bad?
    /// The tasks still reach the endpoint in another zone (private DNS returns every zone's
    /// addresses), but each call crosses zones: it pays cross-AZ data transfer and fails when
    /// that zone fails — the resilience the multi-AZ service was built for is lost.
    ///
    /// ## Example
    /// Tasks in subnets of `us-east-1a` and `us-east-1b`; the `logs` endpoint has `SubnetIds`
    /// only in `us-east-1a`.
    ///
    /// ## Fix
    /// Add every task subnet (one per AZ) to the endpoint's `SubnetIds`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    pub struct EndpointNotInTaskAz {
        code: "MOAT104",
        name: "endpoint-not-in-task-az",
        severity: Warning,
        summary: "A needed interface endpoint has no network interface in a task's Availability Zone",
    }
}

impl Rule for EndpointNotInTaskAz {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in endpoint_uses(cx) {
            let Some(ep) = chosen(&u) else { continue };
            if ep.kind.known() != Some(&EndpointKind::Interface) {
                continue;
            }
            let ep_subnets = endpoint_subnets(cx, ep);
            // A subnet moat cannot see may be in the task's zone (MOAT120 reports it).
            if ep_subnets.is_empty() || !endpoint_unresolved_subnets(cx, ep).is_empty() {
                continue;
            }
            for ts in &u.view.subnets {
                // Covered unless every endpoint subnet is certainly in another zone.
                let covered = ep_subnets
                    .iter()
                    .any(|s| same_az(&s.az, &ts.az) != Some(false));
                let az = match &ts.az {
                    Maybe::Known(a) => a.clone(),
                    Maybe::Unknown(w) => w.split(" (").next().unwrap_or(w).to_string(),
                };
                if !covered {
                    out.push(Self::META.finding(
                        format!(
                            "interface endpoint `{}` ({}) has no network interface in {az}, where service `{}` runs tasks in subnet `{}`",
                            ep.id, u.short, u.view.name, ts.id
                        ),
                        ep.prov.field("subnets"),
                        format!("add subnet `{}` (or another subnet in {az}) to the endpoint's SubnetIds", ts.id),
                    ));
                }
            }
        }
    }
}
