use super::prelude::*;
use crate::iam::{role_allows, Allowed};
use moat_catalog::Need;

rule! {
    /// ## What it does
    /// Checks that the task execution role allows every action the tasks need at start-up: the
    /// ECR pull actions, `logs:CreateLogStream`/`PutLogEvents`, `logs:CreateLogGroup` when a
    /// container sets `awslogs-create-group: "true"`, `secretsmanager:GetSecretValue` and
    /// `ssm:GetParameters` for the secrets it injects, `s3:GetObject` for environment files.
    /// Roles outside the template (an ARN) and managed policies moat does not know are not judged.
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
            let needed: Vec<_> = view
                .needs
                .requirements
                .iter()
                .filter_map(|r| match &r.need {
                    Need::ExecutionRole { action, resource } => {
                        Some((*action, resource.as_str(), r))
                    }
                    _ => None,
                })
                .collect();
            if needed.is_empty() {
                continue;
            }
            let role = match &td.execution_role {
                None => {
                    out.push(Self::META.finding(
                        format!(
                            "task definition `{}` has no execution role, but its tasks need {} to start",
                            td.id,
                            needed.iter().map(|(a, _, _)| *a).collect::<Vec<_>>().join(", ")
                        ),
                        td.prov.clone(),
                        "set ExecutionRoleArn to a role trusted by ecs-tasks.amazonaws.com with these permissions".into(),
                    ));
                    continue;
                }
                Some(Maybe::Unknown(_)) => continue,
                Some(Maybe::Known(r)) => match find_role(cx, r) {
                    Some(role) => role,
                    None => continue,
                },
            };
            // One finding per resource, listing the actions the role lacks on it.
            let mut groups: Vec<(&str, Vec<&str>, &moat_catalog::Requirement)> = Vec::new();
            for (action, resource, req) in needed {
                if role_allows(role, action, resource) != Allowed::No {
                    continue;
                }
                match groups.iter_mut().find(|g| g.0 == resource) {
                    Some(g) => g.1.push(action),
                    None => groups.push((resource, vec![action], req)),
                }
            }
            for (resource, actions, req) in groups {
                let actions = actions.join(", ");
                out.push(Self::META.finding(
                    format!(
                        "execution role `{}` does not allow {actions} on {resource}; {}",
                        role.id,
                        need_why(view, req)
                    ),
                    need_prov(view, req),
                    format!(
                        "add to role `{}` a statement allowing {actions} on {resource}",
                        role.id
                    ),
                ));
            }
        }
    }
}
