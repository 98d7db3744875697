//! `moat check`: templates -> model(s) -> rules -> report.

use crate::cli::{CheckArgs, FailOn, FindingFormat};
use crate::output::{print, write_file};
use anyhow::{bail, Context, Result};
use moat_model::{Finding, Severity};
use moat_report::{RuleInfo, Sources, Summary, TextOptions};
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(a: CheckArgs, color: bool) -> Result<u8> {
    let mut parameters = BTreeMap::new();
    if let Some(f) = &a.params_file {
        parameters.extend(read_params_file(f)?);
    }
    for p in &a.params {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--param `{p}`: expected KEY=VALUE");
        };
        parameters.insert(k.to_string(), v.to_string());
    }
    let region = crate::cli::region_from_env(a.region.clone());
    let opts = moat_cfn::LoadOptions {
        region: region.clone(),
        account_id: a.account_id.clone(),
        stack_name: a.stack_name.clone(),
        parameters,
        max_scenarios: a.max_scenarios,
    };
    let roots = super::inputs::roots(&a)?;
    let loaded = moat_cfn::load_roots(&roots, &opts)?;
    let mut outcome = check_loaded(
        &loaded,
        region.as_deref().unwrap_or(moat_model::UNKNOWN_REGION),
    );
    moat_verify::apply_profile(
        &mut outcome.findings,
        moat_verify::Profile::from_strict(a.strict),
    );
    super::waivers::apply(&mut outcome, &loaded, a.baseline.as_deref())?;
    let rendered = render(&outcome, a.format, color && a.out.is_none());
    match &a.out {
        Some(path) => {
            write_file(path, &rendered, true)?;
            // The report went to the file; the terminal still gets the verdict.
            let c = moat_report::counts(&outcome.findings);
            eprintln!(
                "wrote {}: {} error(s), {} warning(s), {} info",
                path.display(),
                c["error"],
                c["warning"],
                c["info"]
            );
        }
        None => print(&rendered)?,
    }
    Ok(exit_code(&outcome, a.fail_on, a.allow_unproved))
}

/// Findings of a whole load, with what a report needs.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub sources: Sources,
    pub summary: Summary,
}

/// Run the rules on every scenario of every root. A finding that appears only under some
/// assumptions about unknown conditions says which. `region` names endpoint services of a model
/// whose own region is unknown ([`moat_model::UNKNOWN_REGION`] when none was given).
pub fn check_loaded(loaded: &moat_cfn::Loaded, region: &str) -> Outcome {
    let opts = moat_verify::Options {
        region: region.to_string(),
    };
    let mut findings = Vec::new();
    let mut summary = Summary {
        // Each root's notes say which region it was checked in, and why.
        assumptions: Vec::new(),
        ..Default::default()
    };
    for root in &loaded.roots {
        summary
            .checked
            .extend(root.stacks.iter().map(|p| p.display().to_string()));
        summary.assumptions.extend(root.notes.iter().cloned());
        let total = root.scenarios.len();
        let mut per: Vec<(String, Vec<Finding>)> = Vec::new();
        let mut properties = Vec::new();
        for sc in &root.scenarios {
            let label = sc
                .assumptions
                .iter()
                .map(|(c, v)| format!("{c}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let proof = moat_verify::prove(&sc.model, &opts);
            properties.push(proof.properties);
            per.push((label, proof.findings));
        }
        // A property is proved only if proved under every combination of unknown conditions.
        summary
            .properties
            .extend(moat_report::merge_properties(properties));
        if total > 1 {
            summary.assumptions.push(format!(
                "{}: {total} combinations of unknown conditions explored",
                root.path.display()
            ));
        }
        let mut merged: Vec<Finding> = Vec::new();
        for (label, fs) in &per {
            for f in fs {
                if merged.iter().any(|m| same(m, f)) {
                    continue;
                }
                let everywhere = per
                    .iter()
                    .all(|(_, other)| other.iter().any(|o| same(o, f)));
                let mut f = f.clone();
                if !everywhere && !label.is_empty() {
                    f.message = format!("{} [when {label}]", f.message);
                }
                merged.push(f);
            }
        }
        findings.extend(merged);
    }
    moat_verify::sort_dedup(&mut findings);
    let mut sources = Sources::default();
    for s in &loaded.sources {
        sources
            .files
            .insert(s.path.display().to_string(), s.text.clone());
    }
    Outcome {
        findings,
        sources,
        summary,
    }
}

fn same(a: &Finding, b: &Finding) -> bool {
    a.code == b.code && a.prov == b.prov && a.message == b.message
}

pub fn render(o: &Outcome, format: FindingFormat, color: bool) -> String {
    match format {
        FindingFormat::Text => {
            moat_report::text(&o.findings, &o.sources, &o.summary, &TextOptions { color })
        }
        FindingFormat::Json => {
            moat_report::json_with_controls(&o.findings, &o.summary, &controls_by_code())
        }
        FindingFormat::Sarif => moat_report::sarif_with_properties_and_suppressions(
            &o.findings,
            &o.summary.suppressed,
            &rule_infos(),
            env!("CARGO_PKG_VERSION"),
            &o.summary.properties,
        ),
    }
}

pub fn rule_infos() -> Vec<RuleInfo> {
    moat_verify::all_rules()
        .into_iter()
        .map(|r| RuleInfo {
            code: r.code,
            name: r.name,
            summary: r.summary,
            help_markdown: r.markdown(),
            severity: r.severity,
            controls: control_refs(r.code),
        })
        .collect()
}

/// The controls rule `code` evidences (moat's reading: `moat_verify::controls`).
pub fn control_refs(code: &str) -> Vec<moat_report::ControlRef> {
    moat_verify::controls::controls(code)
        .map(|m| {
            m.controls
                .iter()
                .map(|c| moat_report::ControlRef {
                    framework: c.framework.name().into(),
                    id: c.id.into(),
                    title: c.title.into(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn controls_by_code() -> moat_report::Controls {
    moat_verify::all_rules()
        .into_iter()
        .map(|r| (r.code.to_string(), control_refs(r.code)))
        .collect()
}

/// The exit status: 1 when a finding is at or above `fail_on`, or when a property is unproved
/// and `allow_unproved` is not set (an unproved property is not a pass); else 0. `--fail-on
/// never` exits 0 whatever was found.
pub fn exit_code(outcome: &Outcome, fail_on: FailOn, allow_unproved: bool) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Never => return 0,
    };
    let unproved = !allow_unproved
        && outcome
            .summary
            .properties
            .iter()
            .any(|p| p.verdict.is_unproved());
    u8::from(unproved || outcome.findings.iter().any(|f| f.severity >= threshold))
}

/// CloudFormation's parameter file, `[{"ParameterKey": "K", "ParameterValue": "V"}, …]`, or
/// CodePipeline's template configuration file, `{"Parameters": {"K": "V"}, …}`
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-cfn-artifacts.html>).
fn read_params_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    if let Some(params) = v.get("Parameters").and_then(|p| p.as_object()) {
        let mut out = BTreeMap::new();
        for (k, value) in params {
            let Some(value) = value.as_str() else {
                bail!("{}: Parameters.{k} must be a string", path.display());
            };
            out.insert(k.clone(), value.to_string());
        }
        return Ok(out);
    }
    let Some(items) = v.as_array() else {
        bail!(
            "{}: expected a JSON array of {{\"ParameterKey\", \"ParameterValue\"}} objects, or {{\"Parameters\": {{…}}}}",
            path.display()
        );
    };
    let mut out = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let key = item.get("ParameterKey").and_then(|k| k.as_str());
        let value = item.get("ParameterValue").and_then(|k| k.as_str());
        match (key, value) {
            (Some(k), Some(v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => bail!(
                "{}: item {i} needs string ParameterKey and ParameterValue",
                path.display()
            ),
        }
    }
    Ok(out)
}
