//! Text the CLI prints about a change set, a failed stack operation, a destroy, and the images
//! to push after a deploy. Kept here (not in the binary) so it is unit-tested.

use crate::{ChangeAction, ChangeSetSummary, DestroyReport, Replacement, StackOutcome};
use std::fmt::Write;

/// One line per change: `+ add`, `~ modify`, `- remove`; replacements are marked loudly and
/// summed up at the end, because they recreate resources (new ids, lost data).
pub fn render_changes(cs: &ChangeSetSummary) -> String {
    let mut out = String::new();
    let verb = if cs.creates_stack { "create" } else { "update" };
    let _ = writeln!(
        out,
        "Stack {} ({verb}): {} change(s)",
        cs.stack,
        cs.changes.len()
    );
    for c in &cs.changes {
        let sign = match c.action {
            ChangeAction::Add => "+",
            ChangeAction::Modify => "~",
            ChangeAction::Remove => "-",
            ChangeAction::Import => "<",
            ChangeAction::Dynamic => "?",
        };
        let repl = match c.replacement {
            Replacement::No => "",
            Replacement::Yes => "  !! REPLACED",
            Replacement::Conditional => "  !! MAY BE REPLACED",
        };
        let phys = c
            .physical_id
            .as_deref()
            .map(|p| format!(" [{p}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {sign} {} ({}){phys}{repl}",
            c.logical_id, c.resource_type
        );
    }
    let n = cs.replacements().count();
    if n > 0 {
        let _ = writeln!(
            out,
            "{n} resource(s) will or may be replaced: they are deleted and recreated with new ids."
        );
    }
    out
}

/// What went wrong, for a failed wait.
pub fn render_failure(o: &StackOutcome) -> String {
    let mut out = format!("stack operation failed: {}\n", o.status);
    match &o.first_failure {
        Some(e) => {
            let _ = writeln!(
                out,
                "first failure: {} ({}) {}: {}",
                e.logical_id,
                e.resource_type,
                e.status,
                e.reason.as_deref().unwrap_or("no reason given")
            );
        }
        None => out.push_str("no failed resource event was reported\n"),
    }
    let rollback = if o.status.contains("ROLLBACK_COMPLETE") {
        "rolled back"
    } else if o.status.contains("ROLLBACK_FAILED") {
        "rollback FAILED: the stack needs manual attention (see the console's events)"
    } else if o.status == "DELETE_FAILED" {
        "deletion failed: some resources still exist"
    } else {
        "not rolled back"
    };
    let _ = writeln!(out, "rollback state: {rollback}");
    out
}

/// Which log groups outlived the stack.
pub fn render_destroy(r: &DestroyReport) -> String {
    let mut out = String::new();
    for g in &r.logs_kept {
        let _ = writeln!(
            out,
            "kept log group {g} (retained; delete with --delete-logs or `aws logs delete-log-group --log-group-name {g}`)"
        );
    }
    for g in &r.logs_deleted {
        let _ = writeln!(out, "deleted log group {g}");
    }
    out
}

/// `docker push` instructions for the task definition images that live in one of the spec's
/// ECR repositories (`repositories` are repository names, e.g. `app` or `team/app`). `None`
/// when no image does.
pub fn push_instructions(repositories: &[String], images: &[String]) -> Option<String> {
    let mut registries = Vec::new();
    let mut pushes = Vec::new();
    for image in images {
        let Some((host, rest)) = image.split_once('/') else {
            continue;
        };
        // Registry host `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]`.
        // Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html
        if !host.contains(".dkr.ecr.") {
            continue;
        }
        let repo = rest
            .split_once('@')
            .map(|(r, _)| r)
            .unwrap_or_else(|| rest.rsplit_once(':').map(|(r, _)| r).unwrap_or(rest));
        if !repositories.iter().any(|r| r == repo) {
            continue;
        }
        let region = host.split('.').nth(3).unwrap_or_default();
        if !registries.iter().any(|(h, _)| h == host) {
            registries.push((host.to_string(), region.to_string()));
        }
        if !pushes.contains(image) {
            pushes.push(image.clone());
        }
    }
    if pushes.is_empty() {
        return None;
    }
    let mut out = String::from(
        "The services cannot start until these images are in ECR (the VPC has no internet path to pull from elsewhere):\n",
    );
    // Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-ecr-image.html
    for (host, region) in &registries {
        let _ = writeln!(
            out,
            "  aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {host}"
        );
    }
    for p in &pushes {
        let _ = writeln!(out, "  docker push {p}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Change, StackEvent};

    #[test]
    fn replacements_stand_out() {
        let cs = ChangeSetSummary {
            stack: "env".into(),
            id: "arn".into(),
            creates_stack: false,
            changes: vec![
                Change {
                    action: ChangeAction::Modify,
                    logical_id: "Subnet".into(),
                    physical_id: Some("subnet-1".into()),
                    resource_type: "AWS::EC2::Subnet".into(),
                    replacement: Replacement::Yes,
                },
                Change {
                    action: ChangeAction::Add,
                    logical_id: "Sg".into(),
                    physical_id: None,
                    resource_type: "AWS::EC2::SecurityGroup".into(),
                    replacement: Replacement::No,
                },
            ],
        };
        let t = render_changes(&cs);
        assert!(
            t.contains("~ Subnet (AWS::EC2::Subnet) [subnet-1]  !! REPLACED"),
            "{t}"
        );
        assert!(t.contains("+ Sg (AWS::EC2::SecurityGroup)\n"), "{t}");
        assert!(t.contains("1 resource(s) will or may be replaced"), "{t}");
    }

    #[test]
    fn failure_names_resource_and_rollback() {
        let o = StackOutcome {
            status: "ROLLBACK_COMPLETE".into(),
            success: false,
            first_failure: Some(StackEvent {
                logical_id: "Endpoint".into(),
                resource_type: "AWS::EC2::VPCEndpoint".into(),
                status: "CREATE_FAILED".into(),
                reason: Some("service not available".into()),
                timestamp: None,
            }),
        };
        let t = render_failure(&o);
        assert!(t.contains("Endpoint (AWS::EC2::VPCEndpoint) CREATE_FAILED: service not available"));
        assert!(t.contains("rollback state: rolled back"));
    }

    #[test]
    fn push_only_images_of_spec_repositories() {
        let repos = vec!["app".to_string()];
        let images = vec![
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2".to_string(),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/other:1".to_string(),
            "public.ecr.aws/nginx/nginx:1".to_string(),
        ];
        let t = push_instructions(&repos, &images).expect("instructions");
        assert!(t.contains("docker push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2"));
        assert!(t.contains("--region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com"));
        assert!(!t.contains("other"));
        assert!(push_instructions(&repos, &images[1..]).is_none());
    }
}
