//! `moat deploy | diff | audit | destroy`: the commands that talk to AWS. A thin clap layer;
//! the AWS calls and the text they print live in `moat-aws`.

use super::check::{check_loaded, exit_code, render, Outcome};
use crate::cli::{AuditArgs, AwsArgs, DeployArgs, DestroyArgs, DiffArgs, FindingFormat};
use crate::output::print;
use anyhow::{bail, Context, Result};
use moat_aws::{present, AuditTarget, Aws, AwsOptions, ChangeSetOutcome, StackEvent};
use moat_model::Severity;
use moat_report::Summary;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// IAM roles in the template need these. Source:
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html#using-iam-capabilities
const CAPABILITIES: &[&str] = &["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"];

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn connect(a: &AwsArgs, fallback_region: Option<&str>) -> Result<Aws> {
    let mut opts = AwsOptions {
        region: a.region.clone(),
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
    };
    let mut aws = moat_aws::connect(&opts).await;
    if matches!(aws, Err(moat_aws::AwsError::Setup(_))) && opts.region.is_none() {
        opts.region = fallback_region.map(str::to_string);
        aws = moat_aws::connect(&opts).await;
    }
    Ok(aws?)
}

fn parse_params(params: &[String]) -> Result<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--param `{p}`: expected KEY=VALUE"),
        })
        .collect()
}

/// The spec, its environment name, its region and the synthesized template.
struct Synthesized {
    spec: moat_spec::Spec,
    /// The spec's KMS keys, `[dns]` and `[vpc]` (a re-plan of the pinned spec needs them).
    extras: moat_spec::SpecExtras,
    template: String,
    /// `[vpc] id`: the live VPC the template's resources join (the check judges both).
    existing: Option<super::existing::ExistingVpc>,
    /// `[vpc] id`: `VpcId` and `SubnetIds`, passed explicitly (an emulator may not split a
    /// list parameter's default); a `--param` of the same name wins.
    vpc_params: Vec<(String, String)>,
}

impl Synthesized {
    /// `given` plus the existing VPC's parameters it does not set.
    fn params(&self, given: Vec<(String, String)>) -> Vec<(String, String)> {
        let mut all = given;
        for (k, v) in &self.vpc_params {
            if !all.iter().any(|(g, _)| g == k) {
                all.push((k.clone(), v.clone()));
            }
        }
        all
    }

    /// The live model of `[vpc] id`, if any.
    fn live(&self) -> Option<&moat_model::Model> {
        self.existing.as_ref().map(|e| &e.live)
    }
}

fn synthesize(path: &std::path::Path) -> Result<Synthesized> {
    let (spec, extras) = moat_spec::load_with_extras(path)?;
    if extras.vpc.is_some() {
        let b = super::plan::build(path)?;
        if let Some(e) = &b.existing {
            print(&moat_synth::existing_vpc::render_text(&b.plan, &e.vpc_plan))?;
        }
        return Ok(Synthesized {
            vpc_params: vpc_params(b.existing.as_ref()),
            template: b.template_yaml,
            existing: b.existing,
            spec: b.spec,
            extras: b.extras,
        });
    }
    let planned = super::plan::plan_and_synth(&spec, &extras, None)?;
    Ok(Synthesized {
        spec,
        extras,
        template: planned.template_yaml,
        existing: None,
        vpc_params: Vec::new(),
    })
}

fn vpc_params(existing: Option<&super::existing::ExistingVpc>) -> Vec<(String, String)> {
    existing
        .map(|e| {
            let subnets: Vec<&str> = e.vpc_plan.subnets.iter().map(|s| s.id.as_str()).collect();
            vec![
                ("VpcId".to_string(), e.vpc_plan.vpc_id.clone()),
                ("SubnetIds".to_string(), subnets.join(",")),
            ]
        })
        .unwrap_or_default()
}

/// After the image steps pinned copies by digest: the template again, from the pinned spec
/// (with `[vpc] id`, into the VPC as it was read before, not read again).
fn resynthesize(s: &Synthesized, spec: moat_spec::Spec) -> Result<Synthesized> {
    let live = s
        .existing
        .as_ref()
        .map(super::existing::ExistingVpc::as_read);
    let planned = super::plan::plan_and_synth(&spec, &s.extras, live)?;
    Ok(Synthesized {
        spec,
        extras: s.extras.clone(),
        template: planned.template_yaml,
        vpc_params: vpc_params(planned.existing.as_ref()),
        existing: planned.existing,
    })
}

/// Run the rules on the synthesized template, as `moat check` would, knowing the prefix lists
/// `lists` by id and name (`moat deploy` looked them up).
fn check_template(
    s: &Synthesized,
    region: &str,
    account: &str,
    stack: &str,
    params: &[(String, String)],
    lists: &[moat_model::PrefixList],
) -> Result<Outcome> {
    let opts = moat_cfn::LoadOptions {
        region: Some(region.to_string()),
        account_id: Some(account.to_string()),
        stack_name: stack.to_string(),
        parameters: params.iter().cloned().collect::<BTreeMap<_, _>>(),
        max_scenarios: 64,
    };
    let name = format!("{stack}.template.yml");
    let mut loaded = moat_cfn::load_str(&name, &s.template, &opts)?;
    for sc in loaded.roots.iter_mut().flat_map(|r| r.scenarios.iter_mut()) {
        if let Some(live) = s.live() {
            sc.model = super::existing::merged(live, &sc.model);
        }
        sc.model.prefix_lists.extend(lists.iter().cloned());
    }
    Ok(check_loaded(&loaded, region))
}

pub(super) fn confirm(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// A progress bar over the resources being changed; events print above it.
pub(super) fn progress(total: usize) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

pub(super) fn on_event(pb: &indicatif::ProgressBar) -> impl FnMut(&StackEvent) + '_ {
    move |e: &StackEvent| {
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        pb.println(format!(
            "{:<28} {:<40} {}{reason}",
            e.status, e.logical_id, e.resource_type
        ));
        if e.status.ends_with("_COMPLETE")
            && !e.resource_type.starts_with("AWS::CloudFormation::Stack")
        {
            pb.inc(1);
        }
        pb.set_message(format!("{} {}", e.logical_id, e.status));
    }
}

/// Print the check's error findings and say whether the deploy stops: `Some(1)` without
/// `--force`.
fn refuse_errors(outcome: &Outcome, force: bool) -> Option<u8> {
    let errors = outcome
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors == 0 {
        return None;
    }
    eprint!("{}", render(outcome, FindingFormat::Text, false));
    if !force {
        eprintln!("refusing to deploy: {errors} error finding(s) in the synthesized template; fix the spec or pass --force");
        return Some(1);
    }
    eprintln!("deploying despite {errors} error finding(s) (--force)");
    None
}

/// Whether the command may go on to ask (or was told `--yes`): without a terminal on stdin
/// nobody can answer, so it says to pass `--yes` and the caller exits 2.
fn can_confirm(yes: bool, command: &str) -> bool {
    if yes || std::io::stdin().is_terminal() {
        return true;
    }
    eprintln!("error: stdin is not a terminal, so moat cannot ask for confirmation; pass --yes to {command}");
    false
}

pub fn deploy(a: DeployArgs) -> Result<u8> {
    let s = synthesize(&a.target.spec)?;
    let stack = a.target.stack(&s.spec.name);
    let params = s.params(parse_params(&a.params)?);
    if !can_confirm(a.yes, "deploy") {
        return Ok(2);
    }
    let rt = runtime()?;
    rt.block_on(async {
        let aws = connect(&a.aws, Some(&s.spec.region)).await?;
        let region = aws.region.clone().unwrap_or_else(|| s.spec.region.clone());
        let account = match aws.account_id().await {
            Ok(id) => id,
            Err(e) => s
                .spec
                .account_id
                .clone()
                .with_context(|| format!("no account id: {e}"))?,
        };
        let filled = super::prefix_lists::fill(&aws, &region, &s.template, params).await?;
        let params = filled.params;
        // Images before anything else: a missing one fails here, not as the tasks start.
        super::deploy_images::check_private_images(&aws, &s.spec).await?;
        let mut spec = s.spec.clone();
        let copied = super::deploy_images::copy_mirrors(&aws, &mut spec).await?;
        for c in &copied {
            println!("Copied {} -> {} ({})", c.source, c.pinned, c.summary);
        }
        let caps: Vec<String> = CAPABILITIES.iter().map(|c| c.to_string()).collect();
        // Images through a pull-through cache: the rules first (stage 1, if the stack lacks
        // some), then the cache warmed, all before any service pulls through it.
        let cached = super::deploy_images::pull_through_images(&spec);
        if !cached.is_empty() && !a.force {
            // Nothing may change the stack for a deploy the check would refuse.
            let outcome = check_template(&s, &region, &account, &stack, &params, &filled.lists)?;
            if let Some(code) = refuse_errors(&outcome, false) {
                return Ok(code);
            }
        }
        let target = super::deploy_stages::Target {
            aws: &aws,
            stack: &stack,
            params: &params,
            capabilities: &caps,
            yes: a.yes,
        };
        let (warmed, stage_one) = match super::deploy_stages::warm_before_services(
            &target,
            &s.template,
            &cached,
        )
        .await?
        {
            super::deploy_stages::Warm::Stop(code) => return Ok(code),
            super::deploy_stages::Warm::Pinned { pins, stage_one } => (pins, stage_one),
        };
        spec.pin_mirrors(&warmed);
        let pinned = if copied.is_empty() && warmed.is_empty() {
            None
        } else {
            Some(resynthesize(&s, spec)?)
        };
        let s = pinned.as_ref().unwrap_or(&s);
        let outcome = check_template(s, &region, &account, &stack, &params, &filled.lists)?;
        if let Some(code) = refuse_errors(&outcome, a.force) {
            return Ok(code);
        }
        ship(&target, s, &stage_one).await
    })
}

/// The last step of a deploy: the full template's change set, shown, confirmed (unless
/// `--yes`) and executed, then how to push the images of repositories the stack made.
/// `stage_one`: the rules stage 1 added already (a cancel says they stay).
async fn ship(
    t: &super::deploy_stages::Target<'_>,
    s: &Synthesized,
    stage_one: &[String],
) -> Result<u8> {
    let (aws, stack) = (t.aws, t.stack);
    let cs = match moat_aws::create_change_set(aws, stack, &s.template, t.params, t.capabilities)
        .await?
    {
        ChangeSetOutcome::NoChanges => {
            println!("Stack {stack} is up to date: nothing to deploy.");
            return Ok(0);
        }
        ChangeSetOutcome::Ready(cs) => cs,
    };
    print(&present::render_changes(&cs))?;
    if !t.yes && !confirm(&format!("Execute these changes on stack {stack}?"))? {
        moat_aws::delete_change_set(aws, &cs.id).await?;
        eprintln!("cancelled; the change set was deleted");
        if !stage_one.is_empty() {
            eprintln!(
                "stack {stack} keeps what stage 1 added ({}); nothing else changed",
                stage_one.join(", ")
            );
        }
        return Ok(1);
    }
    let pb = progress(cs.changes.len());
    let result = moat_aws::execute_and_wait(aws, &cs, on_event(&pb)).await;
    pb.finish_and_clear();
    let result = result?;
    if !result.success {
        eprint!("{}", present::render_failure(&result));
        return Ok(1);
    }
    println!("Stack {stack}: {}", result.status);
    let images: Vec<String> = s
        .spec
        .services
        .iter()
        .flat_map(|svc| svc.task_definition.containers.iter())
        .filter_map(|c| c.image.known().cloned())
        .collect();
    if let Some(text) = present::push_instructions(&s.spec.ecr_repositories, &images) {
        print(&text)?;
    }
    Ok(0)
}

pub fn diff(a: DiffArgs) -> Result<u8> {
    let s = synthesize(&a.target.spec)?;
    let stack = a.target.stack(&s.spec.name);
    let params = s.params(parse_params(&a.params)?);
    runtime()?.block_on(async {
        let aws = connect(&a.aws, Some(&s.spec.region)).await?;
        let region = aws.region.clone().unwrap_or_else(|| s.spec.region.clone());
        let params = super::prefix_lists::fill(&aws, &region, &s.template, params)
            .await?
            .params;
        let caps: Vec<String> = CAPABILITIES.iter().map(|c| c.to_string()).collect();
        match moat_aws::create_change_set(&aws, &stack, &s.template, &params, &caps).await? {
            ChangeSetOutcome::NoChanges => println!("Stack {stack} is up to date: no changes."),
            ChangeSetOutcome::Ready(cs) => {
                print(&present::render_changes(&cs))?;
                // diff never executes: remove the change set it made (a new stack's
                // REVIEW_IN_PROGRESS placeholder stays until a deploy or destroy).
                moat_aws::delete_change_set(&aws, &cs.id).await?;
            }
        }
        Ok::<u8, anyhow::Error>(0)
    })
}

pub fn audit(a: AuditArgs) -> Result<u8> {
    let target = match (&a.stack_name, &a.vpc_id) {
        (Some(s), _) => AuditTarget::Stack(s.clone()),
        (None, Some(v)) => AuditTarget::Vpc(v.clone()),
        (None, None) => bail!("pass --stack-name or --vpc-id"),
    };
    runtime()?.block_on(async {
        let aws = connect(&a.aws, None).await?;
        let (model, notes) = moat_aws::audit(&aws, &target).await?;
        let region = aws.region.clone().unwrap_or_default();
        let proof = moat_verify::prove(
            &model,
            &moat_verify::Options {
                region: region.clone(),
            },
        );
        let mut findings = proof.findings;
        moat_verify::apply_profile(&mut findings, moat_verify::Profile::from_strict(a.strict));
        let outcome = Outcome {
            findings,
            sources: Default::default(),
            summary: Summary {
                checked: vec![match &target {
                    AuditTarget::Stack(s) => format!("stack {s}"),
                    AuditTarget::Vpc(v) => v.clone(),
                }],
                assumptions: std::iter::once(format!("region {region}"))
                    .chain(notes)
                    .collect(),
                properties: proof.properties,
                ..Default::default()
            },
        };
        print(&render(&outcome, a.format, std::io::stdout().is_terminal()))?;
        Ok::<u8, anyhow::Error>(exit_code(&outcome, a.fail_on, a.allow_unproved))
    })
}

pub fn destroy(a: DestroyArgs) -> Result<u8> {
    let (spec, extras) = moat_spec::load_with_extras(&a.target.spec)?;
    let stack = a.target.stack(&spec.name);
    if !can_confirm(a.yes, "destroy") {
        return Ok(2);
    }
    runtime()?.block_on(async {
        let aws = connect(&a.aws, Some(&spec.region)).await?;
        let logs = moat_aws::stack_log_groups(&aws, &stack).await?;
        let logs_note = match (logs.is_empty(), a.delete_logs) {
            (true, _) => String::new(),
            (false, true) => format!(" and its log groups {}", logs.join(", ")),
            (false, false) => format!(" (log groups {} are kept)", logs.join(", ")),
        };
        if !a.yes && !confirm(&format!("Delete stack {stack}{logs_note}?"))? {
            eprintln!("cancelled");
            return Ok(1);
        }
        let pb = progress(0);
        let report = moat_aws::destroy(&aws, &stack, a.delete_logs, on_event(&pb)).await;
        pb.finish_and_clear();
        let report = report?;
        if !report.outcome.success {
            eprint!("{}", present::render_failure(&report.outcome));
            return Ok(1);
        }
        println!("Stack {stack}: {}", report.outcome.status);
        print(&present::render_destroy(&report))?;
        if let Some(vpc) = &extras.vpc {
            // CloudFormation deletes only the stack's resources: the network team's VPC,
            // subnets, route tables and endpoints were never in it.
            println!(
                "Kept: VPC {} and its subnets, route tables, network ACLs and endpoints (the network team's; moat did not create them).",
                vpc.id
            );
        }
        Ok::<u8, anyhow::Error>(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::{Maybe, PrefixList, Provenance};

    /// What `moat deploy` knows after filling `S3PrefixListId`: the id with its name, and its
    /// check of the template is clean; the same id without the name (what `moat check
    /// --param` knows) leaves S3 reach unproved (MOAT120), never clean.
    #[test]
    fn the_pre_deploy_check_judges_the_filled_list_by_its_name() {
        let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/isolated-service");
        let s = synthesize(&spec).expect("synthesize");
        let params = vec![("S3PrefixListId".to_string(), "pl-63a5400a".to_string())];
        let s3 = PrefixList {
            id: "pl-63a5400a".into(),
            name: Maybe::Known("com.amazonaws.us-east-1.s3".into()),
            prov: Provenance::resource("pl-63a5400a"),
        };
        let named =
            check_template(&s, "us-east-1", "123456789012", "t", &params, &[s3]).expect("check");
        assert!(named.findings.is_empty(), "{:#?}", named.findings);
        let unnamed =
            check_template(&s, "us-east-1", "123456789012", "t", &params, &[]).expect("check");
        let codes: Vec<&str> = unnamed.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["MOAT120"], "{:#?}", unnamed.findings);
    }
}
