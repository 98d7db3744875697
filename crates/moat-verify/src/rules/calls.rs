//! Every call a service's tasks make, as a request with its full context, decided over every
//! policy on its path: the role's identity policies and permissions boundary, the policy of the
//! VPC endpoint the call crosses, and the resource's own policy (a secret's). Rules MOAT110,
//! MOAT114, MOAT121, MOAT122, MOAT123 and MOAT126 report the stage that refuses a call; the
//! role rules record each call's verdict.

use super::analysis::{find_role, need_why};
use crate::context::DecidedCall;
use crate::iam::{
    boundary_layer, decide, identity_layer, Decision, Layer, Principal, Request, RolePolicies,
    Stage,
};
use crate::{Context, ServiceView};
use moat_catalog::{call_for, Call, Caller, Need, Requirement};
use moat_model::{
    EndpointKind, Maybe, PolicyDocument, Property, PropertyKind, Provenance, Role, Unknown,
    VpcEndpoint,
};

/// One call of one service, decided.
pub(crate) struct CallCheck<'a, 'm> {
    pub view: &'a ServiceView<'m>,
    pub req: &'a Requirement,
    pub call: Call,
    pub action: String,
    pub resource: String,
    /// The role that signs the call, when the task definition names one found in the model.
    pub role: Option<&'m Role>,
    /// The endpoint the call crosses, when it crosses one of the VPC.
    pub endpoint: Option<&'m VpcEndpoint>,
    pub decision: Decision,
}

impl CallCheck<'_, '_> {
    /// "execution role `Exec` calls logs:PutLogEvents on arn:…".
    pub fn claim(&self) -> String {
        let who = match (self.call.caller, self.role) {
            (Caller::EcrPresignedUrl, _) => "an ECR presigned URL".to_string(),
            (Caller::EcsAgent, Some(r)) => format!("execution role `{}`", r.id),
            (Caller::Application, Some(r)) => format!("task role `{}`", r.id),
            (_, None) => "the task".to_string(),
        };
        let via = match self.endpoint {
            Some(e) => format!(" through endpoint `{}`", e.id),
            None => String::new(),
        };
        format!(
            "service `{}`: {who} may call {} on {}{via}",
            self.view.name, self.action, self.resource
        )
    }

    pub fn why(&self) -> String {
        need_why(self.view, self.req)
    }

    /// Why a layer refuses the call (empty unless the decision is a refutation).
    pub fn refutation(&self) -> &str {
        match &self.decision.verdict {
            moat_model::Verdict::Refuted { why } => why,
            _ => "",
        }
    }

    /// Who signs the call, for messages: "role `Exec`", or "the task" without a role.
    pub fn signer(&self) -> String {
        self.role
            .map_or("the task".to_string(), |r| format!("role `{}`", r.id))
    }

    /// Record this call's verdict as a permission property.
    pub fn record(&self, cx: &Context<'_>) {
        cx.record(Property {
            kind: PropertyKind::Permission,
            subject: self
                .role
                .map_or_else(|| self.view.service.id.to_string(), |r| r.id.to_string()),
            claim: self.claim(),
            verdict: self.decision.verdict.clone(),
            prov: self.view.service.prov.clone(),
        });
    }
}

/// The `*` account of a needed ARN (a role named by reference) is the model's account when known.
fn with_account(cx: &Context<'_>, resource: &str) -> String {
    // Unknown: the value `AWS::AccountId` takes in the model, the same on the grants' side.
    let acct = cx
        .model
        .account_id
        .known()
        .map_or(moat_model::UNKNOWN_ACCOUNT, String::as_str);
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[4] == "*" && parts[2] != "s3" {
        format!(
            "{}:{}:{}:{}:{acct}:{}",
            parts[0], parts[1], parts[2], parts[3], parts[5]
        )
    } else {
        resource.to_string()
    }
}

/// The endpoint of `short` in the service's VPC that the call would use.
fn crossed<'m>(cx: &Context<'m>, view: &ServiceView<'m>, short: &str) -> Option<&'m VpcEndpoint> {
    let vpc = view.vpc.as_ref()?;
    let mut c: Vec<&VpcEndpoint> = cx.model.endpoints_for_service(vpc, short).collect();
    c.sort_by_key(|e| {
        (
            e.kind.known() == Some(&EndpointKind::Interface) && short == "s3",
            e.private_dns.known() != Some(&true) && short != "s3",
        )
    });
    c.first().copied()
}

/// The endpoint's policy as a layer (`None`: the default policy, full access).
pub(crate) fn endpoint_layer(ep: &VpcEndpoint) -> Option<(Option<PolicyDocument>, Vec<Unknown>)> {
    match ep.policy.as_ref()? {
        Maybe::Known(json) => match PolicyDocument::from_json(json, &ep.prov.field("policy")) {
            Ok(d) => Some((
                Some(d.labelled(format!("the policy of endpoint `{}`", ep.id))),
                vec![],
            )),
            Err(e) => Some((
                None,
                vec![unknown(
                    format!("the policy of endpoint `{}` ({e})", ep.id),
                    &ep.prov,
                )],
            )),
        },
        Maybe::Unknown(w) => Some((
            None,
            vec![unknown(
                format!("the policy of endpoint `{}` ({w})", ep.id),
                &ep.prov,
            )],
        )),
    }
}

fn unknown(what: String, prov: &Provenance) -> Unknown {
    Unknown {
        what,
        prov: prov.clone(),
        settle: "give the value a literal, or check the live account (`moat audit`)".into(),
    }
}

/// The request for a call: principal and the context keys the call fixes.
/// Keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
fn request(
    cx: &Context<'_>,
    call: &Call,
    role: Option<&Role>,
    action: &str,
    resource: &str,
    endpoint: Option<&VpcEndpoint>,
    vpc: Option<&moat_model::Id>,
) -> Request {
    let account = cx.model.account_id.known().cloned();
    let principal = match (call.caller, role) {
        (Caller::EcrPresignedUrl, _) => Principal::Anonymous,
        (_, Some(r)) => Principal::Role {
            arn: Some(match r.arn.known() {
                Some(a) if a.starts_with("arn:") => a.clone(),
                _ => r.id.to_string(),
            }),
            account: Some(
                account
                    .clone()
                    .unwrap_or_else(|| moat_model::UNKNOWN_ACCOUNT.to_string()),
            ),
        },
        (_, None) => Principal::Role {
            arn: None,
            account: Some(
                account
                    .clone()
                    .unwrap_or_else(|| moat_model::UNKNOWN_ACCOUNT.to_string()),
            ),
        },
    };
    let mut req =
        Request::new(principal, action, Some(resource)).with("aws:SecureTransport", "true");
    req = if cx.region == moat_model::UNKNOWN_REGION {
        req.unknown(
            "aws:RequestedRegion",
            "the region (none given)",
            "pass --region",
        )
    } else {
        req.with("aws:RequestedRegion", &cx.region)
    };
    req = match &account {
        Some(a) if call.caller != Caller::EcrPresignedUrl => req.with("aws:PrincipalAccount", a),
        _ => req,
    };
    // The resource's account: the ARN's account field; the ECR layer bucket is AWS's own.
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    req = if resource.contains("-starport-layer-bucket/") {
        // Owned by AWS, not by any account of the template.
        // https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-minimum-s3-perms
        req.with("aws:ResourceAccount", "AWS-owned (the ECR layer bucket)")
    } else if parts.len() == 6
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
    {
        req.with("aws:ResourceAccount", parts[4])
    } else {
        req
    };
    match (endpoint, call.interface.carries_vpc_keys()) {
        (Some(ep), true) => {
            req = req.assigned("aws:SourceVpce", ep.id.as_str(), "vpce-");
            if let Some(v) = vpc {
                req = req.assigned("aws:SourceVpc", v.as_str(), "vpc-");
            }
            req
        }
        (None, true) => req
            .unknown(
                "aws:SourceVpce",
                "the endpoint the call crosses (none in the model)",
                "add the endpoint",
            )
            .unknown("aws:SourceVpc", "the VPC of the call", "add the endpoint"),
        (_, false) if call.interface == moat_catalog::Interface::ViaService => req
            .without("aws:SourceVpce")
            .without("aws:SourceVpc")
            .unknown(
                "kms:ViaService",
                "which service decrypts (Secrets Manager or Systems Manager)",
                "check the call with the IAM policy simulator",
            ),
        (_, false) => req.without("aws:SourceVpce").without("aws:SourceVpc"),
    }
}

/// The secret a resource ARN names, if the model has it (and its policy, as a layer).
pub(crate) fn secret_of<'m>(
    cx: &Context<'m>,
    resource: &str,
) -> Option<&'m moat_model::SecretResource> {
    cx.model.secrets.iter().find(|s| {
        let tail = resource.rsplit(":secret:").next().unwrap_or("");
        tail == s.id.as_str()
            || tail.trim_end_matches("-??????") == s.id.as_str()
            || s.name
                .known()
                .is_some_and(|n| tail.trim_end_matches("-??????") == n)
    })
}

/// The bucket policy of the bucket an S3 ARN names (`arn:aws:s3:::bucket/key`), if the model
/// has one.
pub(crate) fn bucket_policy_of<'m>(
    cx: &Context<'m>,
    resource: &str,
) -> Option<&'m moat_model::BucketPolicy> {
    let bucket = resource
        .strip_prefix("arn:")?
        .splitn(5, ':')
        .nth(4)?
        .split('/')
        .next()?;
    cx.model
        .bucket_policies
        .iter()
        .find(|b| b.bucket.known().is_some_and(|n| n == bucket))
}

/// Every permission call of every service, decided (once per [`Context`]: the first rule that
/// asks computes them, the others read the same decisions).
pub(crate) fn call_checks<'a, 'm>(cx: &'a Context<'m>) -> Vec<CallCheck<'a, 'm>> {
    cx.decided_calls
        .get_or_init(|| decide_calls(cx))
        .iter()
        .map(|d| {
            let view = &cx.services[d.service];
            CallCheck {
                view,
                req: &view.branch_needs[d.branch].1.requirements[d.requirement],
                call: d.call,
                action: d.action.clone(),
                resource: d.resource.clone(),
                role: d.role.map(|i| &cx.model.roles[i]),
                endpoint: d.endpoint.map(|i| &cx.model.endpoints[i]),
                decision: d.decision.clone(),
            }
        })
        .collect()
}

/// Decide every permission call of every service over the policy layers on its path.
fn decide_calls(cx: &Context<'_>) -> Vec<DecidedCall> {
    let mut out = Vec::new();
    for (service, view) in cx.services.iter().enumerate() {
        let Some(td) = view.task_definition else {
            continue;
        };
        let mut seen: Vec<(Caller, moat_catalog::Interface, String)> = Vec::new();
        let branches = view
            .branch_needs
            .iter()
            .enumerate()
            .flat_map(|(branch, (lt, n))| {
                n.requirements
                    .iter()
                    .enumerate()
                    .map(move |(requirement, r)| (branch, requirement, *lt, r))
            });
        for (branch, requirement, launch, req) in branches {
            let Some((call, action, resource, role)) = signed_call(cx, td, launch, req) else {
                continue;
            };
            // The same call on several launch-type branches is decided once.
            let key = (call.caller, call.interface, format!("{action} {resource}"));
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let endpoint = if call.interface.carries_vpc_keys() {
                crossed(cx, view, call.endpoint)
            } else {
                None
            };
            let r = request(
                cx,
                &call,
                role,
                &action,
                &resource,
                endpoint,
                view.vpc.as_ref(),
            );
            let policies = role.map(RolePolicies::of);
            let mut layers: Vec<Layer<'_>> = Vec::new();
            if let (Some(role), Some(p)) = (role, &policies) {
                layers.push(identity_layer(role, p));
                layers.extend(boundary_layer(role, p));
            }
            let ep_layer = endpoint.and_then(endpoint_layer);
            if let (Some(ep), Some((doc, unknown))) = (endpoint, &ep_layer) {
                layers.push(Layer {
                    stage: Stage::Endpoint,
                    what: format!("the policy of endpoint `{}`", ep.id),
                    docs: doc.iter().collect(),
                    must_allow: true,
                    unknown: unknown.clone(),
                });
            }
            layers.extend(resource_layers(cx, &resource));
            if layers.is_empty() {
                continue;
            }
            let decision = decide(&layers, &r);
            out.push(DecidedCall {
                service,
                branch,
                requirement,
                call,
                action,
                resource,
                role: role.map(|r| index_of(&cx.model.roles, r)),
                endpoint: endpoint.map(|e| index_of(&cx.model.endpoints, e)),
                decision,
            });
        }
    }
    out
}

/// The call a requirement makes, its action and resource (account filled in), and the role
/// that signs it; `None` when the requirement is not a call judged here (an endpoint, the
/// instance role, a role outside the model, an S3 object other than the layer bucket's).
fn signed_call<'m>(
    cx: &Context<'m>,
    td: &moat_model::TaskDefinition,
    launch: moat_model::LaunchType,
    req: &Requirement,
) -> Option<(Call, String, String, Option<&'m Role>)> {
    let call = call_for(&req.need, launch)?;
    let (action, resource) = match &req.need {
        Need::ExecutionRole { action, resource } | Need::TaskRole { action, resource } => {
            (action.to_string(), resource.clone())
        }
        Need::S3Object { resource } => ("s3:GetObject".to_string(), resource.clone()),
        Need::Endpoint(_) | Need::InstanceRole { .. } => return None,
    };
    let resource = with_account(cx, &resource);

    let role_ref = match call.caller {
        Caller::EcsAgent => td.execution_role.as_ref(),
        Caller::Application => td.task_role.as_ref(),
        Caller::EcrPresignedUrl => None,
    };
    // A role outside the model (or unknown) is MOAT110/MOAT114's business; the call is
    // then judged only when the role is found.
    let role = role_ref
        .and_then(|r| r.known())
        .and_then(|r| find_role(cx, r));
    if call.caller != Caller::EcrPresignedUrl && role.is_none() {
        return None;
    }
    // S3 objects other than the layer bucket are judged with the execution role by its
    // own ExecutionRole need; here only the endpoint's view of the object matters.
    if matches!(req.need, Need::S3Object { .. }) && call.caller != Caller::EcrPresignedUrl {
        return None;
    }
    Some((call, action, resource, role))
}

/// The resource's own policy as a layer: a secret's resource policy, a bucket policy.
fn resource_layers<'m>(cx: &Context<'m>, resource: &str) -> Vec<Layer<'m>> {
    let mut layers = Vec::new();
    let secret = secret_of(cx, resource);
    let secret_doc = secret.and_then(|s| s.policy.as_ref());
    if let (Some(s), Some(p)) = (secret, secret_doc) {
        layers.push(Layer {
            stage: Stage::Resource,
            what: format!("the resource policy of secret `{}`", s.id),
            docs: p.known().into_iter().collect(),
            must_allow: false,
            unknown: match p {
                Maybe::Unknown(w) => vec![unknown(
                    format!("the resource policy of secret `{}` ({w})", s.id),
                    &s.prov,
                )],
                Maybe::Known(_) => vec![],
            },
        });
    }
    if let Some(b) = bucket_policy_of(cx, resource) {
        layers.push(Layer {
            stage: Stage::Resource,
            what: format!("the bucket policy `{}`", b.id),
            docs: b.policy.known().into_iter().collect(),
            must_allow: false,
            unknown: match &b.policy {
                Maybe::Unknown(w) => {
                    vec![unknown(format!("bucket policy `{}` ({w})", b.id), &b.prov)]
                }
                Maybe::Known(_) => vec![],
            },
        });
    }
    layers
}

/// The index of `item`, an element of `items` (found by address).
fn index_of<T>(items: &[T], item: &T) -> usize {
    items
        .iter()
        .position(|x| std::ptr::eq(x, item))
        .expect("an element of the model")
}

/// Record as unproved every call whose role the task definition names but the model lacks (a
/// role of another stack or account, an unresolved reference).
pub(crate) fn record_outside_roles(cx: &Context<'_>, caller: Caller) {
    for view in &cx.services {
        let Some(td) = view.task_definition else {
            continue;
        };
        let (role_ref, word) = match caller {
            Caller::EcsAgent => (td.execution_role.as_ref(), "execution role"),
            Caller::Application => (td.task_role.as_ref(), "task role"),
            Caller::EcrPresignedUrl => continue,
        };
        let Some(role_ref) = role_ref else { continue };
        let what = match role_ref {
            Maybe::Known(r) if find_role(cx, r).is_some() => continue,
            Maybe::Known(r) => format!("{word} {r} is not defined in the checked templates"),
            Maybe::Unknown(w) => format!("the {word} is unknown ({w})"),
        };
        let branches = view
            .branch_needs
            .iter()
            .flat_map(|(lt, n)| n.requirements.iter().map(move |r| (*lt, r)));
        for (launch, req) in branches {
            let Some(call) = call_for(&req.need, launch) else {
                continue;
            };
            if call.caller != caller {
                continue;
            }
            let (Need::ExecutionRole { action, resource } | Need::TaskRole { action, resource }) =
                &req.need
            else {
                continue;
            };
            cx.record(Property {
                kind: PropertyKind::Permission,
                subject: view.service.id.to_string(),
                claim: format!("service `{}`: the {word} may call {action} on {resource}", view.name),
                verdict: moat_model::Verdict::Unproved(vec![Unknown {
                    what: what.clone(),
                    prov: td.prov.clone(),
                    settle: "check the template that defines the role together with this one, or the live account (`moat audit`)".into(),
                }]),
                prov: view.service.prov.clone(),
            });
        }
    }
}

/// Record every call `caller` makes and group those the role's identity policies refuse: one
/// group per (service, resource), the index of its first call in `checks` and the refused
/// actions in order. MOAT110 (the ECS agent) and MOAT111 (the application) report one finding
/// per group.
pub(crate) fn identity_refusals<'c>(
    cx: &Context<'_>,
    checks: &'c [CallCheck<'_, '_>],
    caller: Caller,
) -> Vec<(usize, Vec<&'c str>)> {
    let mut groups: Vec<(usize, Vec<&'c str>)> = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        if c.call.caller != caller {
            continue;
        }
        c.record(cx);
        if c.decision.stage != Some(crate::iam::Stage::Identity) {
            continue;
        }
        match groups.iter_mut().find(|(j, _)| {
            let o = &checks[*j];
            o.resource == c.resource && o.view.service.id == c.view.service.id
        }) {
            Some(g) => g.1.push(&c.action),
            None => groups.push((i, vec![&c.action])),
        }
    }
    groups
}
