use super::prelude::*;
use moat_catalog::ProblemKind;

rule! {
    /// ## What it does
    /// Reports a value that is unknown before deployment but leaves no isolation or reach
    /// verdict open: a log group name that only narrows the resource of a permission, whether
    /// awslogs creates its group. Unknowns that leave a verdict open are MOAT120
    /// (`property-unproved`, a warning).
    ///
    /// ## Why is this bad?
    /// It is not bad in itself; it says where the picture is incomplete. A check that silently
    /// assumed a default would claim more than it knows.
    ///
    /// ## Example
    /// `awslogs-group: !Ref LogGroupName` with no default and no `--param LogGroupName=…`.
    ///
    /// ## Fix
    /// Pass the value (`moat check --param LogGroupName=/ecs/app`), check the parent template
    /// that passes it, or accept the gap.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    pub struct UnresolvedValue {
        code: "MOAT113",
        name: "unresolved-value",
        severity: Info,
        summary: "A value moat needs to complete the proof is unknown before deployment",
    }
}

impl Rule for UnresolvedValue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Unknowns that leave a verdict open (which endpoints a task needs, a service's subnets
        // or groups, its task definition, an endpoint's name) are MOAT120's; these change only
        // a permission's resource or nothing moat proves here.
        for p in all_problems(cx) {
            if p.kind == ProblemKind::Unknown && !p.leaves_needs_open {
                out.push(Self::META.finding(p.message.clone(), p.prov.clone(), p.help.clone()));
            }
        }
        // Public addresses without an internet gateway route are no path (the routes decide
        // isolation), so an unknown one changes no verdict; it is still worth knowing.
        for s in &cx.model.services {
            if let Maybe::Unknown(why) = &s.assign_public_ip {
                out.push(Self::META.finding(
                    format!(
                        "whether service `{}` assigns public IPs is unknown ({why})",
                        s.id
                    ),
                    s.prov.field("assign_public_ip"),
                    "give AssignPublicIp a value moat can resolve (DISABLED)".into(),
                ));
            }
        }
        for s in &cx.model.subnets {
            if let Maybe::Unknown(why) = &s.map_public_ip {
                out.push(Self::META.finding(
                    format!(
                        "whether subnet `{}` maps public IPs on launch is unknown ({why})",
                        s.id
                    ),
                    s.prov.field("map_public_ip"),
                    "give MapPublicIpOnLaunch a value moat can resolve (false)".into(),
                ));
            }
        }
    }
}
