//! Waivers for `moat check`: the ones written on resources in the templates (`Metadata: moat:
//! ignore`, in the model) and a `--baseline FILE` of accepted findings, applied once to the
//! run's findings after the rules ran (`moat_model::apply_waivers`).
//!
//! A baseline is moat's own JSON report (`moat check --format json --out baseline.json`),
//! optionally with a `reason` added to each entry: every finding listed there (same rule,
//! resource and message) is reported as suppressed instead of counted.

use super::check::Outcome;
use anyhow::{bail, Context, Result};
use moat_model::{apply_waivers, Provenance, Waiver, WaiverKind};
use std::path::Path;

/// Moves the findings a waiver accepts from `outcome.findings` to `outcome.summary.suppressed`.
pub fn apply(
    outcome: &mut Outcome,
    loaded: &moat_cfn::Loaded,
    baseline: Option<&Path>,
) -> Result<()> {
    let mut waivers: Vec<Waiver> = Vec::new();
    let in_models = loaded
        .roots
        .iter()
        .flat_map(|r| &r.scenarios)
        .flat_map(|s| &s.model.waivers);
    for w in in_models {
        if !waivers.contains(w) {
            waivers.push(w.clone());
        }
    }
    if let Some(path) = baseline {
        waivers.extend(read_baseline(path)?);
    }
    let findings = std::mem::take(&mut outcome.findings);
    let (kept, suppressed) = apply_waivers(findings, &waivers);
    outcome.findings = kept;
    outcome.summary.suppressed.extend(suppressed);
    Ok(())
}

/// The accepted findings of a baseline file: `{"findings": [...]}` (a moat JSON report) or a
/// bare array, each entry with `code`, `resource` and `message`, and optionally `reason`.
pub fn read_baseline(path: &Path) -> Result<Vec<Waiver>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let entries = match (&v, v.get("findings")) {
        (_, Some(serde_json::Value::Array(items))) => items,
        (serde_json::Value::Array(items), _) => items,
        _ => bail!(
            "{}: expected a moat JSON report ({{\"findings\": [...]}}) or an array of findings",
            path.display()
        ),
    };
    let file = path.display().to_string();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let text = |k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let (Some(code), Some(resource)) = (text("code"), text("resource")) else {
            bail!("{file}: finding {i} needs string `code` and `resource`");
        };
        out.push(Waiver {
            prov: Provenance {
                file: Some(file.clone()),
                ..Provenance::resource(resource.clone())
            },
            resource,
            code,
            message: text("message"),
            reason: text("reason")
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| format!("accepted in the baseline {file}")),
            kind: WaiverKind::External,
        });
    }
    Ok(out)
}
