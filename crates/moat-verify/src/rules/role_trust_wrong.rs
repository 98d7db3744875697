use super::analysis::find_role;
use super::prelude::*;
use crate::iam::trust_verdict;
use moat_model::{Property, PropertyKind, Verdict};

rule! {
    /// ## What it does
    /// Evaluates the trust policy of every execution and task role a service uses: ECS
    /// (`ecs-tasks.amazonaws.com`) must be allowed `sts:AssumeRole` for a task of this account
    /// and region, with the confused-deputy conditions (`aws:SourceAccount`,
    /// `aws:SourceArn`) matching that account and region.
    ///
    /// ## Why is this bad?
    /// A role that trusts another service, or whose conditions name another account or region
    /// (a template copied from another environment), cannot be assumed: the task fails with
    /// `ECS was unable to assume the role`.
    ///
    /// ## Example
    /// ```yaml
    /// Condition:
    ///   StringEquals: { aws:SourceAccount: "111122223333" }   # not this account
    /// ```
    ///
    /// ## Fix
    /// `aws:SourceAccount: !Ref AWS::AccountId` and
    /// `aws:SourceArn: !Sub arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    pub struct RoleTrustWrong {
        code: "MOAT125",
        name: "role-trust-wrong",
        severity: Error,
        summary: "ECS cannot assume a task's role in this account and region",
    }
}

impl Rule for RoleTrustWrong {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let partition = moat_catalog::needs::partition_of(&cx.region);
        let mut seen: Vec<&moat_model::Id> = Vec::new();
        for view in &cx.services {
            let Some(td) = view.task_definition else {
                continue;
            };
            for (word, r) in [
                ("execution role", &td.execution_role),
                ("task role", &td.task_role),
            ] {
                let Some(role) = r
                    .as_ref()
                    .and_then(|r| r.known())
                    .and_then(|r| find_role(cx, r))
                else {
                    continue;
                };
                if seen.contains(&&role.id) {
                    continue;
                }
                seen.push(&role.id);
                let v = trust_verdict(role, partition, &cx.model.account_id, &cx.region);
                cx.record(Property {
                    kind: PropertyKind::Other,
                    subject: role.id.to_string(),
                    claim: format!(
                        "ECS may assume {word} `{}` for tasks of this account in {}",
                        role.id, cx.region
                    ),
                    verdict: v.clone(),
                    prov: role.prov.clone(),
                });
                if let Verdict::Refuted { why } = v {
                    out.push(Self::META.finding(
                        format!("ECS cannot assume {word} `{}` for service `{}` in {} ({why})", role.id, view.name, cx.region),
                        role.prov.field("policy"),
                        "trust ecs-tasks.amazonaws.com with aws:SourceAccount = this account and aws:SourceArn = arn:<partition>:ecs:<region>:<account>:*".into(),
                    ));
                }
            }
        }
    }
}
