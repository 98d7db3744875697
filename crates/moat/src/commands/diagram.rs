//! `moat diagram`: the architecture picture (SVG), its DOT source, or the HTML report, from a
//! spec or from templates.

use crate::cli::{DiagramArgs, DiagramFormat};
use crate::output::write_file;
use anyhow::{bail, Result};
use moat_diagram::{DiagramOptions, EgressGateway, EndpointRow, Report};
use std::path::Path;

fn is_spec(p: &Path) -> bool {
    p.is_dir() && p.join("moat.toml").is_file() || p.extension().is_some_and(|e| e == "toml")
}

pub fn run(a: DiagramArgs) -> Result<u8> {
    let format = match a.format {
        Some(f) => f,
        None => match a.out.extension().and_then(|e| e.to_str()) {
            Some("html") | Some("htm") => DiagramFormat::Html,
            Some("dot") | Some("gv") => DiagramFormat::Dot,
            Some("svg") => DiagramFormat::Svg,
            _ => bail!(
                "--out {}: cannot tell the format from the extension; pass --format svg|html|dot",
                a.out.display()
            ),
        },
    };
    let mut opts = DiagramOptions::default();
    let (model, findings, title, summary, endpoints, monthly, security) = if is_spec(&a.input) {
        let b = super::plan::build(&a.input)?;
        if b.spec.egress.is_some() {
            opts.egress_hosts = b
                .spec
                .egress
                .as_ref()
                .map(|e| e.allow.clone())
                .unwrap_or_default();
        } else {
            opts.egress_gateway = EgressGateway::None;
        }
        let title = format!("moat: {} ({})", b.spec.name, b.spec.region);
        let summary = vec![super::plan::verdict(&b.findings, b.plan.egress.is_some())];
        let (rows, monthly) = plan_rows(&b.plan);
        let security = spec_security(&b);
        (b.model, b.findings, title, summary, rows, monthly, security)
    } else {
        let loaded = moat_cfn::load_paths(std::slice::from_ref(&a.input), &a.load_options())?;
        let region = crate::cli::region_from_env(a.region.clone());
        let region = region.as_deref().unwrap_or(moat_model::UNKNOWN_REGION);
        let outcome = super::check::check_loaded(&loaded, region);
        let model = loaded
            .roots
            .first()
            .and_then(|r| r.scenarios.first())
            .map(|s| s.model.clone())
            .unwrap_or_default();
        let title = format!("moat: {}", a.input.display());
        let summary = vec![format!(
            "{} finding(s) from moat check",
            outcome.findings.len()
        )];
        let mut security = moat_diagram::Security::from_model(&model);
        // Bucket policies are not in the model: read them from a JSON template (a YAML one is
        // not parsed here, and the report says so).
        security.bucket_policies = std::fs::read_to_string(&a.input)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|t| moat_diagram::bucket_policies(&t));
        let (f, t, s) = (outcome.findings, title, summary);
        (model, f, t, s, Vec::new(), None, security)
    };
    opts.title = Some(title.clone());
    let dot = moat_diagram::to_dot(&model, &findings, &opts);
    let out = match format {
        DiagramFormat::Dot => dot,
        DiagramFormat::Svg => moat_diagram::render_svg(&dot)?,
        DiagramFormat::Html => moat_diagram::html_report(&Report {
            title,
            summary,
            endpoints,
            monthly_cost: monthly,
            findings,
            svg: moat_diagram::render_svg(&dot)?,
            security,
        }),
    };
    write_file(&a.out, &out, true)?;
    eprintln!("wrote {}", a.out.display());
    Ok(0)
}

/// The reviewer's sections for a spec: the model's, plus the bucket policies of the synthesized
/// template and the egress mode and allowlist of the spec.
fn spec_security(b: &super::plan::Built) -> moat_diagram::Security {
    let mut security = moat_diagram::Security::from_model(&b.model);
    let json = moat_synth::synth(&b.plan, moat_synth::TemplateFormat::Json);
    security.bucket_policies = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .map(|t| moat_diagram::bucket_policies(&t));
    if let Some(e) = &b.spec.egress {
        security.egress = Some(moat_diagram::EgressAllowlist {
            mode: Some(e.mode.clone()),
            hosts: Some(e.allow.clone()),
            source: "the spec's [egress] (the gateway reads it from MOAT_GATE_ALLOW)".into(),
        });
    }
    security
}

/// The endpoint table and monthly total of the HTML report, from the plan.
fn plan_rows(plan: &moat_synth::Plan) -> (Vec<EndpointRow>, Option<String>) {
    let rows = plan
        .endpoints
        .iter()
        .map(|e| EndpointRow {
            service: e.name.clone(),
            kind: format!("{:?}", e.kind),
            reasons: e
                .reasons
                .iter()
                .map(|r| match &r.reason.container {
                    Some(c) => format!(
                        "{} / {}: {} ({})",
                        r.service, c, r.reason.detail, r.reason.field
                    ),
                    None => format!("{}: {} ({})", r.service, r.reason.detail, r.reason.field),
                })
                .collect(),
            monthly_cost: format!("${:.2}", e.monthly_usd),
        })
        .collect();
    let c = &plan.cost;
    let monthly = format!(
        "${:.2}/month for the planned endpoints ({} AZs, {} GB/month assumed; prices of {} as of {}); a NAT design for the same AZs: ${:.2}",
        c.planned.monthly_usd, c.azs, c.gb_per_month, c.price_region, c.as_of, c.nat.monthly_usd
    );
    (rows, Some(monthly))
}
