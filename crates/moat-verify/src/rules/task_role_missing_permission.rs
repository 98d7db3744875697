use super::prelude::*;
use crate::iam::{role_allows, Allowed};
use moat_catalog::Need;

rule! {
    /// ## What it does
    /// Checks that the task role allows what the containers' features need — today, ECS Exec's
    /// `ssmmessages:CreateControlChannel`, `CreateDataChannel`, `OpenControlChannel` and
    /// `OpenDataChannel` when the service sets `EnableExecuteCommand`.
    ///
    /// ## Why is this bad?
    /// Without them `aws ecs execute-command` fails with "TargetNotConnectedException" and the
    /// operators of an isolated workload lose their only shell.
    ///
    /// ## Example
    /// A service with `EnableExecuteCommand: true` and a task definition without `TaskRoleArn`.
    ///
    /// ## Fix
    /// Give the task definition a task role with the four `ssmmessages:` actions on `*`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-required-iam-permissions
    pub struct TaskRoleMissingPermission {
        code: "MOAT114",
        name: "task-role-missing-permission",
        severity: Error,
        summary: "The task role lacks a permission a container feature needs",
    }
}

impl Rule for TaskRoleMissingPermission {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for view in &cx.services {
            let Some(td) = view.task_definition else {
                continue;
            };
            // One finding per (problem, resource), listing the actions.
            let mut groups: Vec<(String, String, Vec<&str>, &moat_catalog::Requirement)> =
                Vec::new();
            for req in &view.needs.requirements {
                let Need::TaskRole { action, resource } = &req.need else {
                    continue;
                };
                let missing = match &td.task_role {
                    None => Some("the task definition has no task role".to_string()),
                    Some(Maybe::Known(r)) => match find_role(cx, r) {
                        Some(role) if role_allows(role, action, resource) == Allowed::No => {
                            Some(format!("task role `{}` lacks permissions", role.id))
                        }
                        _ => None,
                    },
                    Some(Maybe::Unknown(_)) => None,
                };
                let Some(m) = missing else { continue };
                match groups.iter_mut().find(|g| g.0 == m && &g.1 == resource) {
                    Some(g) => g.2.push(action),
                    None => groups.push((m, resource.clone(), vec![action], req)),
                }
            }
            for (m, resource, actions, req) in groups {
                out.push(Self::META.finding(
                    format!(
                        "{m}: {} on {resource}; {}",
                        actions.join(", "),
                        need_why(view, req)
                    ),
                    td.prov.clone(),
                    format!(
                        "give the task definition a task role allowing {} on {resource}",
                        actions.join(", ")
                    ),
                ));
            }
        }
    }
}
