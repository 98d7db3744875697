//! `moat deploy` with images named through ECR pull-through cache rules (`[images]
//! pull_through`): the cache is warmed from the deploying machine strictly before any service
//! that pulls through it is created, since the first pull of an image through a rule needs the
//! upstream registry, which the isolated VPC cannot reach.
//!
//! When the stack does not have every rule yet, the deploy runs in two stages:
//!
//! 1. a change set of the stack's current template (`GetTemplate`; none for a new stack) plus
//!    only the new `AWS::ECR::PullThroughCacheRule` resources and what they reference
//!    ([`moat_cfn::stage::first_stage`]), every parameter the stack has kept at its previous
//!    value. Before it runs, its changes are checked to be exactly those additions; anything
//!    else stops the deploy with nothing changed.
//! 2. once the rules exist, each image is pulled through its cache prefix (which fills the
//!    cache) and pinned by digest; then the caller deploys the full template, as ever.
//!
//! A stage that fails, or a warm that fails, stops before the services, saying what the stack
//! holds then.

use super::aws::{confirm, on_event, progress};
use super::deploy_images::{warm_images, Cached};
use anyhow::{bail, Context, Result};
use moat_aws::{present, Aws, Change, ChangeAction, ChangeSetOutcome, ParameterValue};

/// The resource type stage 1 creates. Source:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecr-pullthroughcacherule.html
const RULE_TYPE: &str = "AWS::ECR::PullThroughCacheRule";

/// What the stages need from the deploy.
pub struct Target<'a> {
    pub aws: &'a Aws,
    pub stack: &'a str,
    /// The deploy's parameters (`--param`, and the existing VPC's).
    pub params: &'a [(String, String)],
    pub capabilities: &'a [String],
    /// `--yes`: execute without asking.
    pub yes: bool,
}

/// How the pull-through step ended.
pub enum Warm {
    /// Every image pulled through its rule: `(target, target pinned by digest)`, and the
    /// rules stage 1 added to the stack (none when the stack had them all).
    Pinned {
        pins: Vec<(String, String)>,
        stage_one: Vec<String>,
    },
    /// The deploy stops here with this exit status (what happened is printed).
    Stop(u8),
}

/// Create the rules the stack lacks (stage 1, when there are any), then warm the cache with
/// `images`, printing each image pinned. `full_template` is the template the deploy ships
/// afterwards (stage 2). No images: nothing to do.
pub async fn warm_before_services(
    t: &Target<'_>,
    full_template: &str,
    images: &[Cached],
) -> Result<Warm> {
    if images.is_empty() {
        return Ok(Warm::Pinned {
            pins: Vec::new(),
            stage_one: Vec::new(),
        });
    }
    let current = moat_aws::current_template(t.aws, t.stack).await?;
    let stage = moat_cfn::stage::first_stage(current.as_deref(), full_template, RULE_TYPE)
        .context("building stage 1 (the pull-through cache rules alone)")?;
    let created = match &stage {
        Some(stage) => match first_stage(t, stage).await? {
            Some(code) => return Ok(Warm::Stop(code)),
            None => stage.added_resources.clone(),
        },
        None => Vec::new(),
    };
    eprintln!(
        "warming the pull-through cache: {} image(s), before any service pulls through it",
        images.len()
    );
    let pins = match warm_images(t.aws, images).await {
        Ok(pins) => pins,
        Err(e) if created.is_empty() => return Err(e),
        Err(e) => {
            return Err(e.context(format!(
                "stage 1 created {} in stack {} and nothing else; the services were not \
                 created or changed. Run `moat deploy` again once the upstream registry is \
                 reachable from this machine (the rules stay and are not created twice)",
                created.join(", "),
                t.stack
            )))
        }
    };
    for ((_, pinned), c) in pins.iter().zip(images) {
        println!("Warmed the pull-through cache: {} -> {pinned}", c.source);
    }
    if stage.is_some() {
        println!("Stage 2 of 2: the full template, the warmed images pinned by digest.");
    }
    Ok(Warm::Pinned {
        pins,
        stage_one: created,
    })
}

/// Stage 1: the current template plus the new rules. `Some(status)` stops the deploy.
async fn first_stage(t: &Target<'_>, stage: &moat_cfn::stage::FirstStage) -> Result<Option<u8>> {
    println!(
        "Stage 1 of 2: add the pull-through cache rule(s) {} to stack {} alone, so the cache \
         is warmed before any service pulls through it; nothing else in the stack changes.",
        stage.added_resources.join(", "),
        t.stack
    );
    let params = stage_parameters(stage, t.params);
    let cs = match moat_aws::create_change_set_with(
        t.aws,
        t.stack,
        &stage.template,
        &params,
        t.capabilities,
    )
    .await
    .context("stage 1 (the pull-through cache rules)")?
    {
        ChangeSetOutcome::Ready(cs) => cs,
        ChangeSetOutcome::NoChanges => bail!(
            "stage 1: CloudFormation sees no change in adding {} to stack {}; not deploying",
            stage.added_resources.join(", "),
            t.stack
        ),
    };
    let unexpected = unexpected_changes(&cs.changes, &stage.added_resources);
    if !unexpected.is_empty() {
        moat_aws::delete_change_set(t.aws, &cs.id).await?;
        bail!(
            "not deploying: stage 1 may only add the pull-through cache rules, but CloudFormation \
             would also change {} in stack {}; nothing was changed (the change set was deleted)",
            unexpected.join(", "),
            t.stack
        );
    }
    crate::output::print(&present::render_changes(&cs))?;
    if !t.yes && !confirm(&format!("Execute stage 1 on stack {}?", t.stack))? {
        moat_aws::delete_change_set(t.aws, &cs.id).await?;
        eprintln!("cancelled; nothing was changed (the stage-1 change set was deleted)");
        return Ok(Some(1));
    }
    let pb = progress(cs.changes.len());
    let result = moat_aws::execute_and_wait(t.aws, &cs, on_event(&pb)).await;
    pb.finish_and_clear();
    let result = result?;
    if !result.success {
        eprint!("{}", present::render_failure(&result));
        eprintln!(
            "stage 1 failed: the services were not created or changed{}",
            if cs.creates_stack {
                format!(
                    "; stack {} was new, remove it with `moat destroy` before deploying again",
                    t.stack
                )
            } else {
                String::new()
            }
        );
        return Ok(Some(1));
    }
    println!(
        "Stage 1 of 2: stack {}: {} (the rules exist)",
        t.stack, result.status
    );
    Ok(None)
}

/// The changes of a stage-1 change set that are not the additions it was built to make
/// (CloudFormation's own diff is the last word on what the stage would do).
fn unexpected_changes(changes: &[Change], added: &[String]) -> Vec<String> {
    changes
        .iter()
        .filter(|c| c.action != ChangeAction::Add || !added.contains(&c.logical_id))
        .map(|c| {
            let action = match c.action {
                ChangeAction::Add => "add",
                ChangeAction::Modify => "modify",
                ChangeAction::Remove => "remove",
                ChangeAction::Import => "import",
                ChangeAction::Dynamic => "change (decided at execution)",
            };
            format!("{action} {} ({})", c.logical_id, c.resource_type)
        })
        .collect()
}

/// Stage 1's parameters: the stack's own keep their previous values (stage 1 must not change
/// what the stack has); the ones the new rules bring take the deploy's value (a parameter
/// without one keeps its default, or CloudFormation says it needs a value).
fn stage_parameters(
    stage: &moat_cfn::stage::FirstStage,
    given: &[(String, String)],
) -> Vec<(String, ParameterValue)> {
    let kept = stage
        .kept_parameters
        .iter()
        .map(|k| (k.clone(), ParameterValue::Previous));
    let added = stage.added_parameters.iter().filter_map(|k| {
        given
            .iter()
            .find(|(g, _)| g == k)
            .map(|(_, v)| (k.clone(), ParameterValue::Value(v.clone())))
    });
    kept.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: ChangeAction, id: &str, ty: &str) -> Change {
        Change {
            action,
            logical_id: id.into(),
            physical_id: None,
            resource_type: ty.into(),
            replacement: moat_aws::Replacement::No,
        }
    }

    #[test]
    fn only_the_staged_additions_may_be_in_stage_one() {
        let added = ["Rule".to_string()];
        let rule = change(ChangeAction::Add, "Rule", RULE_TYPE);
        assert!(unexpected_changes(std::slice::from_ref(&rule), &added).is_empty());
        let changes = [
            rule,
            change(ChangeAction::Modify, "Cluster", "AWS::ECS::Cluster"),
            change(ChangeAction::Add, "Service", "AWS::ECS::Service"),
            change(ChangeAction::Remove, "Old", "AWS::Logs::LogGroup"),
        ];
        assert_eq!(
            unexpected_changes(&changes, &added),
            [
                "modify Cluster (AWS::ECS::Cluster)",
                "add Service (AWS::ECS::Service)",
                "remove Old (AWS::Logs::LogGroup)"
            ]
        );
    }

    #[test]
    fn stage_one_keeps_the_stacks_parameters_and_fills_only_the_rules_own() {
        let stage = moat_cfn::stage::FirstStage {
            template: String::new(),
            added_resources: vec!["DockerHubPullThroughCacheRule".into()],
            added_parameters: vec!["DockerHubPullThroughCredentialArn".into()],
            kept_parameters: vec!["VpcId".into()],
        };
        let given = [
            ("VpcId".to_string(), "vpc-new".to_string()),
            (
                "DockerHubPullThroughCredentialArn".to_string(),
                "arn:secret".to_string(),
            ),
            ("Unrelated".to_string(), "x".to_string()),
        ];
        assert_eq!(
            stage_parameters(&stage, &given),
            [
                ("VpcId".to_string(), ParameterValue::Previous),
                (
                    "DockerHubPullThroughCredentialArn".to_string(),
                    ParameterValue::Value("arn:secret".into())
                ),
            ]
        );
    }
}
