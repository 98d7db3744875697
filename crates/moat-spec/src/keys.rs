//! Unknown keys in a `moat.toml`: every one of them, each with its position and a "did you
//! mean", found before serde reads the file (serde stops at the first). The known keys are the
//! `raw` structs' own fields, so a field added there is known here too.

use crate::raw::{RawAutoscaling, RawEgress, RawIngress, RawService, RawSpec};
use crate::suggest::{fields_of, hint};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// Removes the unknown keys from `root` (so serde can read the rest) and returns where each
/// was and what to say about it.
pub(crate) fn unknown_keys(root: &mut DeTable<'_>) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    prune(root, "", fields_of::<RawSpec>(), &mut out);
    if let Some(services) = root.get_mut("service") {
        for svc in tables_mut(services.get_mut()) {
            prune(svc, " in [[service]]", fields_of::<RawService>(), &mut out);
            for (key, fields) in [
                ("autoscaling", fields_of::<RawAutoscaling>()),
                ("ingress", fields_of::<RawIngress>()),
            ] {
                if let Some(DeValue::Table(t)) = svc.get_mut(key).map(|v| v.get_mut()) {
                    prune(t, &format!(" in [service.{key}]"), fields, &mut out);
                }
            }
        }
    }
    if let Some(DeValue::Table(t)) = root.get_mut("egress").map(|v| v.get_mut()) {
        prune(t, " in [egress]", fields_of::<RawEgress>(), &mut out);
    }
    if let Some(DeValue::Table(t)) = root.get_mut("vpc").map(|v| v.get_mut()) {
        prune(t, " in [vpc]", fields_of::<crate::vpc::RawVpc>(), &mut out);
    }
    out.sort_by_key(|(span, _)| span.start);
    out
}

/// `[[service]]` is an array of tables; anything else is left for serde to report.
fn tables_mut<'v, 'i>(v: &'v mut DeValue<'i>) -> Vec<&'v mut DeTable<'i>> {
    match v {
        DeValue::Array(items) => items
            .iter_mut()
            .filter_map(|i| match i.get_mut() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn prune(
    table: &mut DeTable<'_>,
    within: &str,
    known: &[&str],
    out: &mut Vec<(Range<usize>, String)>,
) {
    let unknown: Vec<(Range<usize>, String)> = table
        .iter()
        .filter(|(key, _)| !known.contains(&key.get_ref().as_ref()))
        .map(|(key, _)| (key.span(), key.get_ref().to_string()))
        .collect();
    for (span, name) in unknown {
        table.remove(name.as_str());
        out.push((
            span,
            format!("unknown field `{name}`{within}{}", hint(&name, known)),
        ));
    }
}
