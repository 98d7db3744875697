use super::prelude::*;
use moat_model::{Property, Unknown};

rule! {
    /// ## What it does
    /// Reports every value moat could not know that leaves a property it must prove open: a
    /// subnet's isolation ("no path to or from the internet") or a service's reach ("the tasks
    /// reach `ecr.dkr` on TCP 443", "S3 through the gateway endpoint"). One finding per unknown
    /// value, at the place the value comes from, naming the properties it leaves unproved and
    /// what would settle it: the template that exports it, a `--param`, `--region`.
    ///
    /// ## Why is this bad?
    /// A check that cannot read a value must not count it as passing. An interface endpoint
    /// whose security group admits `Fn::ImportValue SharedCidr`, a service whose subnets come
    /// from another stack, an image given by a parameter without a value: each may be exactly
    /// where the deployment breaks (a pull that hangs, a route to the internet), and "no
    /// findings" would claim a proof moat does not have.
    ///
    /// ## Example
    /// ```yaml
    /// Service:
    ///   Type: AWS::ECS::Service
    ///   Properties:
    ///     NetworkConfiguration:
    ///       AwsvpcConfiguration:
    ///         Subnets: [!ImportValue shared-private-subnet-a]
    /// ```
    ///
    /// ## Fix
    /// Give moat the value: check the exporting (or parent) template together with this one,
    /// pass `--param Name=value` or `--region`, or write the value literally. Values that change
    /// no verdict are reported apart, as MOAT113 (info).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html
    /// - https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    pub struct PropertyUnproved {
        code: "MOAT120",
        name: "property-unproved",
        severity: Warning,
        summary: "A property moat must prove (isolation, reach) depends on a value it could not know",
    }
}

impl Rule for PropertyUnproved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    /// Runs after every other rule (last in [`super::ALL`]), so it sees every recorded property
    /// and the findings already made.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let properties = cx.properties();
        let mut by_unknown: Vec<(&Unknown, Vec<&Property>)> = Vec::new();
        for p in properties.iter() {
            let moat_model::Verdict::Unproved { unknowns } = &p.verdict else {
                continue;
            };
            for u in unknowns {
                match by_unknown.iter_mut().find(|(k, _)| same_value(k, u)) {
                    Some((_, ps)) => ps.push(p),
                    None => by_unknown.push((u, vec![p])),
                }
            }
        }
        let mut mine = Vec::new();
        // An unproved property that names no value still must not pass silently.
        for p in properties.iter() {
            if matches!(&p.verdict, moat_model::Verdict::Unproved { unknowns } if unknowns.is_empty())
            {
                mine.push(Self::META.finding(
                    format!("moat cannot prove: {}", p.claim),
                    p.prov.clone(),
                    "check the templates that define the elements it depends on together with this one".into(),
                ));
            }
        }
        for (u, props) in by_unknown {
            // MOAT004 already reports a route whose far side moat cannot see, at that route.
            if out.iter().any(|f| {
                REPORTS_ITS_UNKNOWN.contains(&f.code)
                    && f.prov.file.is_some()
                    && f.prov.file == u.prov.file
                    && f.prov.line == u.prov.line
                    && f.prov.column == u.prov.column
            }) {
                continue;
            }
            // Catalog unknowns already say "… is unknown (…): cannot decide …".
            let said = if u.what.contains(" is unknown") {
                u.what.clone()
            } else {
                format!("{} is unknown", u.what)
            };
            mine.push(Self::META.finding(
                format!("{said}, so moat cannot prove: {}", claims(&props)),
                u.prov.clone(),
                settle(&u.what, &u.settle),
            ));
        }
        out.extend(mine);
    }
}

/// Rules whose finding is itself the report of an unknown (MOAT120 does not repeat it at the
/// same place).
const REPORTS_ITS_UNKNOWN: &[&str] = &["MOAT004"];

/// What settles an unknown, made concrete from the reason the loader gave: a root parameter
/// without a value is settled by `--param`, an import or stack output by passing its producer,
/// an unknown region by `--region`; otherwise the rule's own advice.
fn settle(what: &str, fallback: &str) -> String {
    if let Some(rest) = what.split("parameter ").nth(1) {
        if rest.contains("has no default and no value was given") {
            let name = rest.split_whitespace().next().unwrap_or("NAME");
            // Nested stacks' parameters are named `Child/Name`; only a root one takes --param.
            if !name.contains('/') {
                return format!("pass --param {name}=VALUE (or give the parameter a default)");
            }
        }
    }
    if what.contains("Fn::ImportValue") || what.contains("Fn::GetStackOutput") {
        return "check the template that exports it together with this one (`moat check a.yml b.yml`, or the cdk.out directory)".into();
    }
    if what.contains(moat_model::UNKNOWN_REGION) {
        return "pass --region (or AWS_REGION)".into();
    }
    fallback.to_string()
}

/// Two unknowns are the same value when they say the same thing about the same place.
fn same_value(a: &Unknown, b: &Unknown) -> bool {
    a.what == b.what && a.prov == b.prov
}

/// The claims, at most three, then how many more.
fn claims(props: &[&Property]) -> String {
    let mut list: Vec<&str> = Vec::new();
    for p in props {
        if !list.contains(&p.claim.as_str()) {
            list.push(&p.claim);
        }
    }
    let shown = list.len().min(3);
    let mut s = list[..shown].join("; ");
    if list.len() > shown {
        s.push_str(&format!("; and {} more", list.len() - shown));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn settles_by_the_kind_of_unknown() {
        let s = super::settle(
            "a subnet (parameter SubnetA has no default and no value was given)",
            "x",
        );
        assert!(s.starts_with("pass --param SubnetA=VALUE"), "{s}");
        let s = super::settle(
            "the peer (Fn::ImportValue shared-cidr: no template given exports it)",
            "x",
        );
        assert!(s.starts_with("check the template that exports it"), "{s}");
        assert_eq!(super::settle("something else", "fallback"), "fallback");
    }

    /// MOAT120 reads the properties every other rule recorded, so it must run last.
    #[test]
    fn runs_after_every_other_rule() {
        let last = super::super::ALL.last().expect("rules");
        assert_eq!(last.meta().code, "MOAT120");
    }
}
