//! `moat plan`: spec -> plan -> template, proven by the same rules as `check`.

use crate::cli::{PlanArgs, PlanFormat};
use crate::output::print;
use anyhow::{Context, Result};
use moat_model::{Finding, Severity};
use moat_synth::TemplateFormat;
use std::fmt::Write;

/// Load a spec, plan it, synthesize the template and check it.
pub struct Built {
    pub spec: moat_spec::Spec,
    /// Deploy plans the spec again once its images are pinned.
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    pub extras: moat_spec::SpecExtras,
    pub plan: moat_synth::Plan,
    pub template_yaml: String,
    pub findings: Vec<Finding>,
    /// The properties the check decided, merged over scenarios.
    pub properties: Vec<moat_model::Property>,
    pub model: moat_model::Model,
    /// `[vpc] id`: the network team's VPC as read, and what the plan reuses and asks for.
    pub existing: Option<super::existing::ExistingVpc>,
}

impl Built {
    /// The template in `format` (for an existing VPC, the one taking its ids as parameters).
    pub fn template_text(&self, format: TemplateFormat) -> String {
        match &self.existing {
            Some(e) => moat_synth::existing_vpc::template::synth(&self.plan, &e.vpc_plan, format),
            None => moat_synth::synth(&self.plan, format),
        }
    }
}

/// A spec's plan and YAML template, into the existing VPC when it has `[vpc] id`.
pub struct Planned {
    pub plan: moat_synth::Plan,
    pub existing: Option<super::existing::ExistingVpc>,
    pub template_yaml: String,
}

/// Plan `spec` (with its extras: KMS keys, `[dns]`, `[vpc]`) and synthesize its template. With
/// `[vpc] id`, `live` is that VPC as read; the plan keeps only what it lacks. `moat plan`,
/// `synth` and `deploy` (again after pinning images by digest) all go through here, so the
/// template deploy ships is the one `synth` writes.
pub fn plan_and_synth(
    spec: &moat_spec::Spec,
    extras: &moat_spec::SpecExtras,
    live: Option<super::existing::LiveVpc>,
) -> Result<Planned> {
    let mut plan = moat_synth::plan_with(spec, &moat_synth::PlanOptions::from_extras(extras))?;
    let existing = match (&extras.vpc, live) {
        (Some(vpc), Some(live)) => Some(super::existing::adapt(vpc, &mut plan, live)?),
        (Some(vpc), None) => anyhow::bail!("internal: [vpc] id {} was not read", vpc.id),
        (None, _) => None,
    };
    let template_yaml = match &existing {
        Some(e) => {
            moat_synth::existing_vpc::template::synth(&plan, &e.vpc_plan, TemplateFormat::Yaml)
        }
        None => moat_synth::synth(&plan, TemplateFormat::Yaml),
    };
    Ok(Planned {
        plan,
        existing,
        template_yaml,
    })
}

pub fn build(spec_path: &std::path::Path) -> Result<Built> {
    let (spec, extras) = moat_spec::load_with_extras(spec_path)?;
    let live = match &extras.vpc {
        Some(vpc) => Some(super::existing::read(&spec, vpc)?),
        None => None,
    };
    let Planned {
        plan,
        existing,
        template_yaml,
    } = plan_and_synth(&spec, &extras, live)?;
    let opts = moat_cfn::LoadOptions {
        region: Some(spec.region.clone()),
        account_id: spec.account_id.clone(),
        stack_name: spec.name.clone(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_str("synthesized template", &template_yaml, &opts)
        .context("reading back the synthesized template")?;
    let mut findings = Vec::new();
    let mut runs = Vec::new();
    let mut model = moat_model::Model::default();
    let mut template_tds = Vec::new();
    for root in &loaded.roots {
        for sc in &root.scenarios {
            template_tds.extend(sc.model.task_definitions.iter().cloned());
            // In an existing VPC the rules judge the combination: the template's resources in
            // the network team's subnets, route tables and NACLs.
            let judged = match &existing {
                Some(e) => super::existing::merged(&e.live, &sc.model),
                None => sc.model.clone(),
            };
            let proof = moat_verify::prove(
                &judged,
                &moat_verify::Options {
                    region: spec.region.clone(),
                },
            );
            findings.extend(proof.findings);
            runs.push(proof.properties);
            model = judged;
        }
    }
    moat_verify::sort_dedup(&mut findings);
    // Every service's task definition must reach the template with its containers: one that
    // arrived empty (as the describe-task-definition shape once did) gives the rules nothing
    // to judge, and "no findings" would then mean nothing.
    if let Some(td) = template_tds.iter().find(|t| t.containers.is_empty()) {
        anyhow::bail!(
            "internal: the synthesized task definition `{}` has no containers; please report this with the task definition file",
            td.id.as_str()
        );
    }
    Ok(Built {
        spec,
        extras,
        plan,
        template_yaml,
        findings,
        properties: moat_report::merge_properties(runs),
        model,
        existing,
    })
}

/// What `moat check` thinks of the synthesized template, with the property verdicts.
pub fn check_summary(b: &Built) -> String {
    let mut s = verdict_of(&b.findings, &b.properties, b.plan.egress.is_some());
    let _ = write!(
        s,
        "\n  properties: {}",
        moat_report::properties_line(&b.properties)
    );
    s
}

/// One line saying what `moat check` thinks of the synthesized template.
pub fn verdict(findings: &[Finding], egress: bool) -> String {
    verdict_of(findings, &[], egress)
}

/// "no findings" (and "isolated") only when nothing was found and no property is unproved.
fn verdict_of(findings: &[Finding], properties: &[moat_model::Property], egress: bool) -> String {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let unproved = moat_report::total_counts(properties).unproved;
    if unproved > 0 && findings.is_empty() {
        format!("moat check on the synthesized template: {unproved} propert(ies) unproved")
    } else if findings.is_empty() && egress {
        "moat check on the synthesized template: no findings (the workload subnets have no route out, only the egress gateway's own subnets do; every task reaches every service it needs on TCP 443)".into()
    } else if findings.is_empty() {
        "moat check on the synthesized template: no findings (isolated; every task reaches every service it needs on TCP 443)".into()
    } else {
        let mut s = format!(
            "moat check on the synthesized template: {errors} error(s), {warnings} warning(s), {} info",
            findings.len() - errors - warnings
        );
        for f in findings {
            let _ = write!(s, "\n  {}[{}] {}", f.severity, f.code, f.message);
        }
        s
    }
}

pub fn plan(a: PlanArgs) -> Result<u8> {
    let b = build(&a.spec)?;
    match a.format {
        PlanFormat::Text => {
            let mut s = match &b.existing {
                Some(e) => moat_synth::existing_vpc::render_plan(&b.plan, &e.vpc_plan),
                None => moat_synth::render_plan_text(&b.plan),
            };
            if let Some(e) = &b.existing {
                for n in &e.read_notes {
                    let _ = writeln!(s, "read: {n}");
                }
            }
            let _ = writeln!(s, "\n{}", check_summary(&b));
            let _ = writeln!(
                s,
                "\nNext: `moat synth {0} --out DIR` writes the template; `moat diagram {0} --out {1}.svg` draws it, `--out {1}.html` makes a report.",
                a.spec.display(),
                b.spec.name
            );
            print(&s)?;
        }
        PlanFormat::Json => {
            let v = serde_json::json!({
                "plan": b.plan,
                "existing_vpc": b.existing.as_ref().map(|e| &e.vpc_plan),
                "check": {
                    "findings": b.findings.iter().map(|f| serde_json::json!({
                        "code": f.code, "severity": f.severity, "message": f.message,
                        "resource": f.prov.resource, "help": f.help
                    })).collect::<Vec<_>>(),
                    "properties": b.properties,
                    "summary": moat_report::property_counts(&b.properties),
                }
            });
            print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
    }
    Ok(u8::from(
        b.findings.iter().any(|f| f.severity == Severity::Error),
    ))
}
