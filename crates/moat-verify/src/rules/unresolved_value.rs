use super::prelude::*;
use moat_catalog::ProblemKind;

rule! {
    /// ## What it does
    /// Reports what moat could not decide because a value is unknown before deployment: a
    /// service's subnets or security groups that come from outside the template, an image given
    /// by a parameter without a value, an endpoint whose service name is unresolved.
    ///
    /// ## Why is this bad?
    /// It is not bad in itself; it says where the proof stops. A check that silently assumed a
    /// default would claim more than it knows.
    ///
    /// ## Example
    /// `Image: !Ref ImageUri` with no default and no `--param ImageUri=…`.
    ///
    /// ## Fix
    /// Pass the value (`moat check --param ImageUri=123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1`),
    /// check the parent template that passes it, or accept the gap.
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
        for p in all_problems(cx) {
            if p.kind == ProblemKind::Unknown {
                out.push(Self::META.finding(p.message.clone(), p.prov.clone(), p.help.clone()));
            }
        }
        for v in &cx.services {
            let prov = v.service.prov.clone();
            for why in &v.unresolved_subnets {
                out.push(Self::META.finding(
                    format!("service `{}`: a subnet is not in the model ({why}); its paths were not checked", v.name),
                    prov.field("subnets"),
                    "check the template that defines the subnets together with this one (a parent stack), or pass the value".into(),
                ));
            }
            if v.subnets.is_empty() && v.unresolved_subnets.is_empty() {
                out.push(Self::META.finding(
                    format!(
                        "service `{}` names no subnets; its paths were not checked",
                        v.name
                    ),
                    prov.clone(),
                    "set NetworkConfiguration.AwsvpcConfiguration.Subnets".into(),
                ));
            }
            for why in &v.unresolved_security_groups {
                out.push(Self::META.finding(
                    format!(
                        "service `{}`: a security group is not in the model ({why})",
                        v.name
                    ),
                    prov.field("security_groups"),
                    "check the template that defines it together with this one".into(),
                ));
            }
            if v.task_definition.is_none() {
                out.push(Self::META.finding(
                    format!("service `{}`: its task definition is not in the model; its needs were not derived", v.name),
                    prov.clone(),
                    "check the template that defines the task definition together with this one".into(),
                ));
            }
        }
        for u in endpoint_uses(cx) {
            if u.candidates.is_empty() && !u.unknown_named.is_empty() {
                out.push(Self::META.finding(
                    format!(
                        "service `{}` needs `{}`; endpoint `{}` has an unknown service name and may or may not provide it",
                        u.view.name, u.short, u.unknown_named[0].id
                    ),
                    u.unknown_named[0].prov.clone(),
                    "make the ServiceName resolvable (pass --region / parameters)".into(),
                ));
            }
        }
    }
}
