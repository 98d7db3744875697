use super::calls::call_checks;
use super::prelude::*;
use crate::iam::Stage;

rule! {
    /// ## What it does
    /// Finds calls a task needs that the role's identity policies allow but its permissions
    /// boundary does not (or explicitly denies): the boundary caps what the policies grant.
    ///
    /// ## Why is this bad?
    /// The role looks right in its policies, yet every call outside the boundary is refused:
    /// the task stops with `ResourceInitializationError` (image pull, secrets) or loses its logs.
    /// AWS evaluates the intersection of identity policies and boundary.
    ///
    /// ## Example
    /// ```yaml
    /// ExecutionRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
    ///     PermissionsBoundary: !Ref LogsOnlyBoundary   # allows logs:* only: no ECR pull
    /// ```
    ///
    /// ## Fix
    /// Add the actions named in the finding to the boundary policy (or use a boundary that
    /// covers what the execution role needs).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    pub struct PermissionsBoundaryDenies {
        code: "MOAT121",
        name: "permissions-boundary-denies",
        severity: Error,
        summary: "A role's permissions boundary removes a permission the tasks need",
    }
}

impl Rule for PermissionsBoundaryDenies {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            if c.decision.stage != Some(Stage::Boundary) {
                continue;
            }
            let Some(role) = c.role else { continue };
            let prov = role
                .permissions_boundary
                .as_ref()
                .map_or_else(|| role.prov.clone(), |b| b.prov.clone());
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "the permissions boundary of role `{}` refuses {} on {} ({why}), though its policies grant it; {}",
                    role.id, c.action, c.resource, c.why()
                ),
                prov,
                format!("allow {} on {} in the boundary policy", c.action, c.resource),
            ));
        }
    }
}
