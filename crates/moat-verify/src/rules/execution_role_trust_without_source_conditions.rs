use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds roles trusted by `ecs-tasks.amazonaws.com` whose trust policy has no
    /// `aws:SourceAccount` or `aws:SourceArn` condition.
    ///
    /// ## Why is this bad?
    /// Without them the role is open to the confused-deputy problem: ECS acting for another
    /// account could be made to assume it. Seed 001's execution role carries both conditions.
    ///
    /// ## Example
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: { Service: ecs-tasks.amazonaws.com }
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///       Condition:
    ///         ArnLike: { aws:SourceArn: !Sub "arn:aws:ecs:${AWS::Region}:${AWS::AccountId}:*" }
    ///         StringEquals: { aws:SourceAccount: !Ref AWS::AccountId }
    /// ```
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    pub struct ExecutionRoleTrustWithoutSourceConditions {
        code: "MOAT302",
        name: "task-role-trust-without-source-conditions",
        severity: Info,
        summary: "A role trusted by ECS tasks has no confused-deputy conditions",
    }
}

impl Rule for ExecutionRoleTrustWithoutSourceConditions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for r in &cx.model.roles {
            if r.trusted_services
                .iter()
                .any(|s| s == "ecs-tasks.amazonaws.com")
                && !r.trust_has_source_conditions
            {
                out.push(Self::META.finding(
                    format!("role `{}` trusts ecs-tasks.amazonaws.com without aws:SourceAccount / aws:SourceArn conditions", r.id),
                    r.prov.clone(),
                    "add aws:SourceAccount and aws:SourceArn conditions to the trust policy".into(),
                ));
            }
        }
    }
}
