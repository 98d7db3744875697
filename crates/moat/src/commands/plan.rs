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
    pub plan: moat_synth::Plan,
    pub template_yaml: String,
    pub findings: Vec<Finding>,
    /// The properties the check decided, merged over scenarios.
    pub properties: Vec<moat_model::Property>,
    pub model: moat_model::Model,
}

pub fn build(spec_path: &std::path::Path) -> Result<Built> {
    let (spec, extras) = moat_spec::load_with_extras(spec_path)?;
    let plan = moat_synth::plan_with(&spec, &moat_synth::PlanOptions::from_extras(&extras))?;
    let template_yaml = moat_synth::synth(&plan, TemplateFormat::Yaml);
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
    for root in &loaded.roots {
        for sc in &root.scenarios {
            let proof = moat_verify::prove(
                &sc.model,
                &moat_verify::Options {
                    region: spec.region.clone(),
                },
            );
            findings.extend(proof.findings);
            runs.push(proof.properties);
            model = sc.model.clone();
        }
    }
    moat_verify::sort_dedup(&mut findings);
    // Every service's task definition must reach the template with its containers: one that
    // arrived empty (as the describe-task-definition shape once did) gives the rules nothing
    // to judge, and "no findings" would then mean nothing.
    if let Some(td) = model
        .task_definitions
        .iter()
        .find(|t| t.containers.is_empty())
    {
        anyhow::bail!(
            "internal: the synthesized task definition `{}` has no containers; please report this with the task definition file",
            td.id.as_str()
        );
    }
    Ok(Built {
        spec,
        plan,
        template_yaml,
        findings,
        properties: moat_report::merge_properties(runs),
        model,
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
            let mut s = moat_synth::render_plan_text(&b.plan);
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
