use super::prelude::*;
use moat_catalog::ProblemKind;

rule! {
    /// ## What it does
    /// Finds task definitions that name an AWS resource in another region than the tasks':
    /// `awslogs-region`, a secret or parameter ARN, a FireLens `region`, and the KMS key of a
    /// secret they read; and VPC endpoints the tasks use whose service name is of another
    /// region (`com.amazonaws.eu-west-1.logs` for tasks in us-east-1). (An image in another
    /// region's registry is MOAT112.)
    ///
    /// ## Why is this bad?
    /// VPC endpoints serve their own region only, and an isolated VPC has no other way out: a
    /// call to another region's service never connects, and the task fails at start-up.
    ///
    /// ## Example
    /// ```yaml
    /// LogConfiguration:
    ///   LogDriver: awslogs
    ///   Options: { awslogs-region: eu-west-1 }   # tasks run in us-east-1
    /// ```
    ///
    /// ## Fix
    /// Use the resource in the tasks' region (replicate the secret, create the log group
    /// there).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
    /// - https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html
    pub struct ResourceInOtherRegion {
        code: "MOAT129",
        name: "resource-in-other-region",
        severity: Error,
        summary: "A task uses an AWS resource in another region",
    }
}

/// Regions named literally by the tasks' log options, secrets and endpoints' service names.
fn literal_regions(cx: &Context<'_>) -> Vec<String> {
    let looks_like_region = |r: &str| r.contains('-') && r.ends_with(|c: char| c.is_ascii_digit());
    let mut out: Vec<String> = Vec::new();
    let mut add = |r: &str| {
        if looks_like_region(r) && !out.iter().any(|x| x == r) {
            out.push(r.to_string());
        }
    };
    for td in &cx.model.task_definitions {
        for k in &td.containers {
            if let Some(log) = &k.log {
                for key in ["awslogs-region", "region"] {
                    if let Some(Maybe::Known(r)) = log.options.get(key) {
                        add(r);
                    }
                }
            }
            for s in k
                .secrets
                .iter()
                .chain(k.log.iter().flat_map(|l| l.secret_options.iter()))
            {
                if let Some(r) = s
                    .value_from
                    .known()
                    .and_then(|v| v.strip_prefix("arn:"))
                    .and_then(|v| v.split(':').nth(2))
                {
                    add(r);
                }
            }
        }
    }
    for e in &cx.model.endpoints {
        if let Some(r) = e
            .service
            .known()
            .and_then(|n| n.strip_prefix("com.amazonaws."))
            .and_then(|n| n.split('.').next())
        {
            add(r);
        }
    }
    out
}

impl Rule for ResourceInOtherRegion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if cx.region == moat_model::UNKNOWN_REGION {
            // Nothing to compare with: the regions the tasks name literally are left open.
            let named = literal_regions(cx);
            if !named.is_empty() {
                cx.record(moat_model::Property {
                    kind: moat_model::PropertyKind::Other,
                    subject: "region".into(),
                    claim: format!(
                        "the regions the tasks and their endpoints name ({}) are the tasks' region",
                        named.join(", ")
                    ),
                    verdict: moat_model::Verdict::Unproved(vec![moat_model::Unknown {
                        what: "the region the tasks run in".into(),
                        prov: moat_model::Provenance::default(),
                        settle: "pass --region".into(),
                    }]),
                    prov: moat_model::Provenance::default(),
                });
            }
            return;
        }
        for p in all_problems(cx) {
            if p.kind == ProblemKind::CrossRegion {
                out.push(Self::META.finding(p.message.clone(), p.prov.clone(), p.help.clone()));
            }
        }
        // The endpoints the tasks use must serve the tasks' region.
        for u in endpoint_uses(cx) {
            for ep in &u.candidates {
                let Some(name) = ep.service.known() else {
                    continue;
                };
                let Some(region) = name
                    .strip_prefix("com.amazonaws.")
                    .and_then(|r| r.split('.').next())
                else {
                    continue;
                };
                if region.contains('-') && region != cx.region {
                    out.push(Self::META.finding(
                        format!(
                            "endpoint `{}` is for {name}, in {region}, but the tasks run in {}: an endpoint serves its own region only; {}",
                            ep.id, cx.region, need_why(u.view, u.req)
                        ),
                        ep.prov.field("service"),
                        format!("use com.amazonaws.{}.{} (ServiceName: !Sub com.amazonaws.${{AWS::Region}}.{})", cx.region, u.short, u.short),
                    ));
                }
            }
        }
        // The customer managed key of a secret the tasks read, given as an ARN.
        for view in &cx.services {
            for req in &view.needs.requirements {
                let moat_catalog::Need::ExecutionRole {
                    action: "secretsmanager:GetSecretValue",
                    resource,
                } = &req.need
                else {
                    continue;
                };
                let Some(secret) = super::calls::secret_of(cx, resource) else {
                    continue;
                };
                let Some(Maybe::Known(k)) = &secret.kms_key else {
                    continue;
                };
                let Some(region) = k.strip_prefix("arn:").and_then(|_| k.split(':').nth(3)) else {
                    continue;
                };
                if region != cx.region && !region.is_empty() {
                    out.push(Self::META.finding(
                        format!("secret `{}` is encrypted with key {k} in {region}, but the tasks run in {}: a KMS key is usable only in its own region", secret.id, cx.region),
                        secret.prov.field("KmsKeyId"),
                        format!("encrypt the secret with a key in {}", cx.region),
                    ));
                }
            }
        }
    }
}
