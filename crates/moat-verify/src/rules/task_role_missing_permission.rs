use super::calls::{call_checks, identity_refusals, record_outside_roles};
use super::prelude::*;
use moat_catalog::{Caller, Need};

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
        // A task definition without a task role: every task-role need is missing.
        for view in &cx.services {
            let Some(td) = view.task_definition else {
                continue;
            };
            if td.task_role.is_some() {
                continue;
            }
            let mut groups: Vec<(&String, Vec<&str>, &moat_catalog::Requirement)> = Vec::new();
            for req in &view.needs.requirements {
                let Need::TaskRole { action, resource } = &req.need else {
                    continue;
                };
                match groups.iter_mut().find(|g| g.0 == resource) {
                    Some(g) => g.1.push(action),
                    None => groups.push((resource, vec![action], req)),
                }
            }
            for (resource, actions, req) in groups {
                out.push(Self::META.finding(
                    format!(
                        "the task definition has no task role: {} on {resource}; {}",
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
        record_outside_roles(cx, Caller::Application);
        let checks = call_checks(cx);
        let groups = identity_refusals(cx, &checks, Caller::Application);
        for (i, actions) in groups {
            let c = &checks[i];
            let role = c.role.map_or_else(String::new, |r| r.id.to_string());
            let td = c
                .view
                .task_definition
                .map(|t| t.prov.clone())
                .unwrap_or_else(|| c.view.service.prov.clone());
            out.push(Self::META.finding(
                format!(
                    "task role `{role}` lacks permissions: {} on {}; {}",
                    actions.join(", "),
                    c.resource,
                    c.why()
                ),
                td,
                format!(
                    "give the task definition a task role allowing {} on {}",
                    actions.join(", "),
                    c.resource
                ),
            ));
        }
    }
}
