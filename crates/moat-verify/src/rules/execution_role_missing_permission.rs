use super::calls::{call_checks, identity_refusals, record_outside_roles};
use super::prelude::*;
use moat_catalog::{Caller, Need};

rule! {
    /// ## What it does
    /// Checks that the task execution role allows every action the tasks need at start-up: the
    /// ECR pull actions, `logs:CreateLogStream`/`PutLogEvents`, `logs:CreateLogGroup` when a
    /// container sets `awslogs-create-group: "true"`, `secretsmanager:GetSecretValue` and
    /// `ssm:GetParameters` for the secrets it injects, `s3:GetObject` for environment files.
    /// Each call is evaluated as AWS does (explicit deny first, `NotAction`/`NotResource`,
    /// wildcards, conditions on the keys the call fixes); a role outside the template, an AWS
    /// managed policy moat does not carry or an unknown condition leaves the call unproved
    /// (MOAT120), never allowed. A permissions boundary that removes the grant is MOAT121.
    ///
    /// ## Why is this bad?
    /// The network path is there but the agent is refused: `ResourceInitializationError: unable
    /// to pull secrets or registry auth`, or a task that never starts because it cannot create its
    /// log group. The managed `AmazonECSTaskExecutionRolePolicy` does not include
    /// `logs:CreateLogGroup`, nor any secrets access.
    ///
    /// ## Example
    /// A container with `awslogs-create-group: "true"` and an execution role that has only the
    /// managed policy.
    ///
    /// ## Fix
    /// Add a statement for the missing action on the resource named in the finding.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
    pub struct ExecutionRoleMissingPermission {
        code: "MOAT110",
        name: "execution-role-missing-permission",
        severity: Error,
        summary: "The task execution role lacks a permission the tasks need to start",
    }
}

impl Rule for ExecutionRoleMissingPermission {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for view in &cx.services {
            let Some(td) = view.task_definition else {
                continue;
            };
            let needed: Vec<&str> = view
                .needs
                .requirements
                .iter()
                .filter_map(|r| match &r.need {
                    Need::ExecutionRole { action, .. } => Some(*action),
                    _ => None,
                })
                .collect();
            if td.execution_role.is_none() && !needed.is_empty() {
                let mut actions = needed.clone();
                actions.dedup();
                out.push(Self::META.finding(
                    format!(
                        "task definition `{}` has no execution role, but its tasks need {} to start",
                        td.id,
                        actions.join(", ")
                    ),
                    td.prov.clone(),
                    "set ExecutionRoleArn to a role trusted by ecs-tasks.amazonaws.com with these permissions".into(),
                ));
            }
        }
        record_outside_roles(cx, Caller::EcsAgent);
        // One finding per (role, resource), listing the actions its identity policies refuse.
        let checks = call_checks(cx);
        let groups = identity_refusals(cx, &checks, Caller::EcsAgent);
        for (i, mut actions) in groups {
            let c = &checks[i];
            actions.dedup();
            let actions = actions.join(", ");
            let role = c.role.map_or_else(String::new, |r| r.id.to_string());
            let why = c.refutation();
            out.push(Self::META.finding(
                format!(
                    "execution role `{role}` does not allow {actions} on {} ({why}); {}",
                    c.resource,
                    c.why()
                ),
                super::analysis::need_prov(c.view, c.req),
                format!(
                    "add to role `{role}` a statement allowing {actions} on {}",
                    c.resource
                ),
            ));
        }
    }
}
