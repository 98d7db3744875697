//! CloudFormation: change sets (deploy, diff), waiting on a stack while streaming its events,
//! and deleting a stack (destroy).

use crate::error::{code_of, message_of, sdk};
use crate::{Aws, AwsError};
use aws_sdk_cloudformation::types::{self as cfn, ChangeSetStatus, ChangeSetType};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What a change does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    Add,
    Modify,
    Remove,
    Import,
    /// `Dynamic`: decided at execution (nested stacks, macros).
    Dynamic,
}

/// Whether a modification replaces the resource (new physical id; data or addresses lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    No,
    Yes,
    /// Depends on a value only known at execution.
    Conditional,
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: ChangeAction,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub replacement: Replacement,
}

/// A described change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetSummary {
    pub stack: String,
    /// Change set ARN (for execute / delete).
    pub id: String,
    /// CREATE (new stack) or UPDATE.
    pub creates_stack: bool,
    pub changes: Vec<Change>,
}

impl ChangeSetSummary {
    /// Changes that replace a resource (certainly or conditionally): these deserve attention.
    pub fn replacements(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.replacement != Replacement::No)
    }
}

/// Result of [`create_change_set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeSetOutcome {
    /// The template and parameters match the stack; the empty change set was deleted.
    NoChanges,
    Ready(ChangeSetSummary),
}

/// One stack event, as streamed by [`wait_stack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    pub timestamp: Option<String>,
}

/// The stack's state as DescribeStacks sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackState {
    Absent,
    /// Created by a change set that was never executed: counts as new.
    ReviewInProgress,
    Exists(String),
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackOutcome {
    /// Final stack status (`CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, `DELETE_COMPLETE`, …).
    pub status: String,
    pub success: bool,
    /// On failure: the first resource that failed, and why.
    pub first_failure: Option<StackEvent>,
}

/// Statuses that end an operation. Source:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
const SUCCESS: &[&str] = &[
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "DELETE_COMPLETE",
    "IMPORT_COMPLETE",
];
const FAILURE: &[&str] = &[
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "DELETE_FAILED",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
    "IMPORT_ROLLBACK_FAILED",
];

/// The status reason CloudFormation gives a change set with nothing to do. Source:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html
const NO_CHANGES: &[&str] = &[
    "The submitted information didn't contain changes",
    "No updates are to be performed",
];

/// Longest wait for a change set or a stack operation.
const MAX_WAIT: Duration = Duration::from_secs(3 * 3600);

fn is_missing_stack(code: Option<&str>, message: &str) -> bool {
    code == Some("ValidationError") && message.contains("does not exist")
}

/// Is `stack` absent, new (REVIEW_IN_PROGRESS) or existing?
pub async fn stack_status(aws: &Aws, stack: &str) -> Result<StackState, AwsError> {
    match aws.cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => {
            let status = out
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .map(|s| s.as_str().to_string());
            Ok(match status.as_deref() {
                None | Some("DELETE_COMPLETE") => StackState::Absent,
                Some("REVIEW_IN_PROGRESS") => StackState::ReviewInProgress,
                Some(s) => StackState::Exists(s.to_string()),
            })
        }
        Err(e) if is_missing_stack(code_of(&e).as_deref(), &message_of(&e)) => {
            Ok(StackState::Absent)
        }
        Err(e) => Err(sdk("cloudformation:DescribeStacks", e)),
    }
}

/// The template the stack runs (`GetTemplate`, as submitted); `None` for a stack that does
/// not exist or was never executed (`REVIEW_IN_PROGRESS`). Source:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html
pub async fn current_template(aws: &Aws, stack: &str) -> Result<Option<String>, AwsError> {
    if !matches!(stack_status(aws, stack).await?, StackState::Exists(_)) {
        return Ok(None);
    }
    let out = aws
        .cfn
        .get_template()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| sdk("cloudformation:GetTemplate", e))?;
    Ok(out.template_body)
}

/// A change set's value for one template parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    Value(String),
    /// The value the stack has now (`UsePreviousValue`): a stage that must not change what
    /// the stack has keeps every parameter it had. Source:
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html
    Previous,
}

/// Create a change set for `template_body` and wait until it is described. A change set with
/// no changes is deleted and reported as [`ChangeSetOutcome::NoChanges`].
pub async fn create_change_set(
    aws: &Aws,
    stack: &str,
    template_body: &str,
    parameters: &[(String, String)],
    capabilities: &[String],
) -> Result<ChangeSetOutcome, AwsError> {
    let parameters: Vec<(String, ParameterValue)> = parameters
        .iter()
        .map(|(k, v)| (k.clone(), ParameterValue::Value(v.clone())))
        .collect();
    create_change_set_with(aws, stack, template_body, &parameters, capabilities).await
}

/// [`create_change_set`] with parameters that may keep the stack's previous values.
pub async fn create_change_set_with(
    aws: &Aws,
    stack: &str,
    template_body: &str,
    parameters: &[(String, ParameterValue)],
    capabilities: &[String],
) -> Result<ChangeSetOutcome, AwsError> {
    let creates = !matches!(stack_status(aws, stack).await?, StackState::Exists(_));
    let name = format!("moat-{}", unique_suffix());
    let params: Vec<cfn::Parameter> = parameters
        .iter()
        .map(|(k, v)| {
            let p = cfn::Parameter::builder().parameter_key(k);
            match v {
                ParameterValue::Value(v) => p.parameter_value(v),
                ParameterValue::Previous => p.use_previous_value(true),
            }
            .build()
        })
        .collect();
    let caps: Vec<cfn::Capability> = capabilities
        .iter()
        .map(|c| cfn::Capability::from(c.as_str()))
        .collect();
    let out = aws
        .cfn
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .template_body(template_body)
        .change_set_type(if creates {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .set_parameters(Some(params))
        .set_capabilities(Some(caps))
        .send()
        .await;
    let out = match out {
        Ok(out) => out,
        // Some implementations refuse at once what CloudFormation reports as a failed change
        // set (moto, when the template and every parameter value are the same as the stack's:
        // moto/cloudformation/responses.py, `_validate_different_update`).
        Err(e)
            if code_of(&e).as_deref() == Some("ValidationError")
                && NO_CHANGES.iter().any(|m| message_of(&e).contains(m)) =>
        {
            return Ok(ChangeSetOutcome::NoChanges)
        }
        Err(e) => return Err(sdk("cloudformation:CreateChangeSet", e)),
    };
    let id = out.id().map(str::to_string).ok_or(AwsError::Missing {
        operation: "cloudformation:CreateChangeSet",
        what: "Id",
    })?;

    let started = Instant::now();
    loop {
        let d = aws
            .cfn
            .describe_change_set()
            .change_set_name(&id)
            .send()
            .await
            .map_err(|e| sdk("cloudformation:DescribeChangeSet", e))?;
        match d.status() {
            Some(ChangeSetStatus::CreateComplete) => break,
            Some(ChangeSetStatus::Failed) => {
                let reason = d.status_reason().unwrap_or_default().to_string();
                delete_change_set(aws, &id).await?;
                if NO_CHANGES.iter().any(|m| reason.contains(m)) {
                    return Ok(ChangeSetOutcome::NoChanges);
                }
                return Err(AwsError::Api {
                    operation: "cloudformation:CreateChangeSet".into(),
                    message: format!("change set failed: {reason}"),
                });
            }
            _ => {}
        }
        if started.elapsed() > MAX_WAIT {
            return Err(AwsError::Timeout {
                what: format!("change set {name}"),
                seconds: MAX_WAIT.as_secs(),
            });
        }
        tokio::time::sleep(aws.poll_interval).await;
    }

    let mut changes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let d = aws
            .cfn
            .describe_change_set()
            .change_set_name(&id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk("cloudformation:DescribeChangeSet", e))?;
        changes.extend(d.changes().iter().filter_map(map_change));
        match d.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(ChangeSetOutcome::Ready(ChangeSetSummary {
        stack: stack.to_string(),
        id,
        creates_stack: creates,
        changes,
    }))
}

/// Map one change set entry.
pub fn map_change(c: &cfn::Change) -> Option<Change> {
    let rc = c.resource_change()?;
    let action = match rc.action()? {
        cfn::ChangeAction::Add => ChangeAction::Add,
        cfn::ChangeAction::Modify => ChangeAction::Modify,
        cfn::ChangeAction::Remove => ChangeAction::Remove,
        cfn::ChangeAction::Import => ChangeAction::Import,
        _ => ChangeAction::Dynamic,
    };
    let replacement = match rc.replacement() {
        Some(cfn::Replacement::True) => Replacement::Yes,
        Some(cfn::Replacement::Conditional) => Replacement::Conditional,
        _ => Replacement::No,
    };
    Some(Change {
        action,
        logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
        physical_id: rc.physical_resource_id().map(str::to_string),
        resource_type: rc.resource_type().unwrap_or_default().to_string(),
        replacement,
    })
}

/// A suffix that makes change set names unique per run (names must start with a letter and
/// hold only letters, digits and dashes).
fn unique_suffix() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{}", now.as_secs(), now.subsec_nanos())
}

/// Delete a change set (diff, or an empty one).
pub async fn delete_change_set(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.cfn
        .delete_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(|e| sdk("cloudformation:DeleteChangeSet", e))?;
    Ok(())
}

/// Execute a change set created by [`create_change_set`].
pub async fn execute_change_set(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.cfn
        .execute_change_set()
        .change_set_name(id)
        .send()
        .await
        .map_err(|e| sdk("cloudformation:ExecuteChangeSet", e))?;
    Ok(())
}

/// Ids of the events the stack already has, so a wait reports only new ones.
async fn seen_events(aws: &Aws, stack: &str) -> Result<HashSet<String>, AwsError> {
    let mut seen = HashSet::new();
    let mut pages = aws
        .cfn
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => seen.extend(
                p.stack_events()
                    .iter()
                    .filter_map(|e| e.event_id().map(str::to_string)),
            ),
            Err(e) if is_missing_stack(code_of(&e).as_deref(), &message_of(&e)) => break,
            Err(e) => return Err(sdk("cloudformation:DescribeStackEvents", e)),
        }
    }
    Ok(seen)
}

/// Poll the stack until its status is terminal, calling `on_event` for each new event in
/// order. Returns the final status, and on failure the first resource that failed.
///
/// Call [`wait_stack`] right after `execute_change_set` / `delete_stack`: events that existed
/// before the call are skipped only if they were already recorded by a previous wait, so a
/// caller that wants a clean stream passes the stack *id* (ARN), which stays describable
/// after deletion.
pub async fn wait_stack(
    aws: &Aws,
    stack: &str,
    mut on_event: impl FnMut(&StackEvent),
) -> Result<StackOutcome, AwsError> {
    wait_stack_from(aws, stack, HashSet::new(), &mut on_event).await
}

async fn wait_stack_from(
    aws: &Aws,
    stack: &str,
    mut seen: HashSet<String>,
    on_event: &mut dyn FnMut(&StackEvent),
) -> Result<StackOutcome, AwsError> {
    let started = Instant::now();
    let mut first_failure: Option<StackEvent> = None;
    loop {
        // Events come newest first; collect the unseen ones, then report oldest first.
        let mut fresh = Vec::new();
        let mut pages = aws
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .into_paginator()
            .send();
        'pages: while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if is_missing_stack(code_of(&e).as_deref(), &message_of(&e)) => break,
                Err(e) => return Err(sdk("cloudformation:DescribeStackEvents", e)),
            };
            for e in page.stack_events() {
                let Some(id) = e.event_id() else { continue };
                if !seen.insert(id.to_string()) {
                    break 'pages;
                }
                fresh.push(map_event(e));
            }
        }
        for e in fresh.iter().rev() {
            if first_failure.is_none() && e.status.ends_with("_FAILED") {
                first_failure = Some(e.clone());
            }
            on_event(e);
        }
        let status = match stack_status(aws, stack).await? {
            StackState::Absent => "DELETE_COMPLETE".to_string(),
            StackState::ReviewInProgress => "REVIEW_IN_PROGRESS".to_string(),
            StackState::Exists(s) => s,
        };
        let success = SUCCESS.contains(&status.as_str());
        if success || FAILURE.contains(&status.as_str()) {
            return Ok(StackOutcome {
                status,
                success,
                first_failure: if success { None } else { first_failure },
            });
        }
        if started.elapsed() > MAX_WAIT {
            return Err(AwsError::Timeout {
                what: format!("stack {stack}"),
                seconds: MAX_WAIT.as_secs(),
            });
        }
        tokio::time::sleep(aws.poll_interval).await;
    }
}

/// Map one stack event.
pub fn map_event(e: &cfn::StackEvent) -> StackEvent {
    StackEvent {
        logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
        resource_type: e.resource_type().unwrap_or_default().to_string(),
        status: e
            .resource_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        reason: e.resource_status_reason().map(str::to_string),
        timestamp: e.timestamp().map(|t| t.to_string()),
    }
}

/// Execute a change set and wait, streaming only the events the execution causes.
pub async fn execute_and_wait(
    aws: &Aws,
    summary: &ChangeSetSummary,
    mut on_event: impl FnMut(&StackEvent),
) -> Result<StackOutcome, AwsError> {
    let seen = seen_events(aws, &summary.stack).await?;
    execute_change_set(aws, &summary.id).await?;
    wait_stack_from(aws, &summary.stack, seen, &mut on_event).await
}

/// The physical names of the stack's `AWS::Logs::LogGroup` resources.
pub async fn stack_log_groups(aws: &Aws, stack: &str) -> Result<Vec<String>, AwsError> {
    let out = aws
        .cfn
        .describe_stack_resources()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| sdk("cloudformation:DescribeStackResources", e))?;
    Ok(out
        .stack_resources()
        .iter()
        .filter(|r| r.resource_type() == Some("AWS::Logs::LogGroup"))
        .filter_map(|r| r.physical_resource_id().map(str::to_string))
        .collect())
}

/// What [`destroy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestroyReport {
    pub outcome: StackOutcome,
    /// Log groups that outlived the stack (template `DeletionPolicy: Retain`) and were kept.
    pub logs_kept: Vec<String>,
    /// Log groups deleted: by moat (`delete_logs`) or by CloudFormation (no Retain policy).
    pub logs_deleted: Vec<String>,
}

/// Delete the stack and wait. Log groups are kept when the template retains them (synth emits
/// `DeletionPolicy: Retain` on log groups); with `delete_logs` the retained groups are deleted
/// through the CloudWatch Logs API once the stack is gone.
pub async fn destroy(
    aws: &Aws,
    stack: &str,
    delete_logs: bool,
    mut on_event: impl FnMut(&StackEvent),
) -> Result<DestroyReport, AwsError> {
    let (stack_id, status) = match aws.cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => {
            let s = out
                .stacks()
                .first()
                .ok_or(AwsError::NoStack(stack.to_string()))?;
            (
                s.stack_id().unwrap_or(stack).to_string(),
                s.stack_status().map(|x| x.as_str().to_string()),
            )
        }
        Err(e) if is_missing_stack(code_of(&e).as_deref(), &message_of(&e)) => {
            return Err(AwsError::NoStack(stack.to_string()))
        }
        Err(e) => return Err(sdk("cloudformation:DescribeStacks", e)),
    };
    if status.as_deref() == Some("DELETE_COMPLETE") {
        return Err(AwsError::NoStack(stack.to_string()));
    }
    let groups = stack_log_groups(aws, &stack_id).await?;
    let seen = seen_events(aws, &stack_id).await?;
    aws.cfn
        .delete_stack()
        .stack_name(&stack_id)
        .send()
        .await
        .map_err(|e| sdk("cloudformation:DeleteStack", e))?;
    let outcome = wait_stack_from(aws, &stack_id, seen, &mut on_event).await?;
    let mut report = DestroyReport {
        outcome,
        logs_kept: Vec::new(),
        logs_deleted: Vec::new(),
    };
    if !report.outcome.success {
        return Ok(report);
    }
    for g in groups {
        if !log_group_exists(aws, &g).await? {
            report.logs_deleted.push(g);
        } else if delete_logs {
            aws.logs
                .delete_log_group()
                .log_group_name(&g)
                .send()
                .await
                .map_err(|e| sdk("logs:DeleteLogGroup", e))?;
            report.logs_deleted.push(g);
        } else {
            report.logs_kept.push(g);
        }
    }
    Ok(report)
}

async fn log_group_exists(aws: &Aws, name: &str) -> Result<bool, AwsError> {
    let mut pages = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk("logs:DescribeLogGroups", e))?;
        if page
            .log_groups()
            .iter()
            .any(|g| g.log_group_name() == Some(name))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_replacement_and_actions() {
        let c = cfn::Change::builder()
            .resource_change(
                cfn::ResourceChange::builder()
                    .action(cfn::ChangeAction::Modify)
                    .logical_resource_id("Vpc")
                    .physical_resource_id("vpc-1")
                    .resource_type("AWS::EC2::VPC")
                    .replacement(cfn::Replacement::True)
                    .build(),
            )
            .build();
        let m = map_change(&c).expect("mapped");
        assert_eq!(m.action, ChangeAction::Modify);
        assert_eq!(m.replacement, Replacement::Yes);
        assert_eq!(m.physical_id.as_deref(), Some("vpc-1"));
        let s = ChangeSetSummary {
            stack: "s".into(),
            id: "id".into(),
            creates_stack: false,
            changes: vec![m],
        };
        assert_eq!(s.replacements().count(), 1);
    }

    #[test]
    fn maps_events() {
        let e = cfn::StackEvent::builder()
            .event_id("1")
            .logical_resource_id("Subnet")
            .resource_type("AWS::EC2::Subnet")
            .resource_status(cfn::ResourceStatus::CreateFailed)
            .resource_status_reason("bad cidr")
            .build();
        let m = map_event(&e);
        assert_eq!(m.status, "CREATE_FAILED");
        assert_eq!(m.reason.as_deref(), Some("bad cidr"));
    }

    #[test]
    fn missing_stack_detection() {
        assert!(is_missing_stack(
            Some("ValidationError"),
            "Stack with id x does not exist"
        ));
        assert!(!is_missing_stack(Some("Throttling"), "does not exist"));
    }
}
