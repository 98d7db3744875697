//! A role's policies as evaluation layers: its identity policies (with the AWS managed policies
//! the catalog carries), its permissions boundary, and its trust policy.

use super::eval::{decide, Layer, Stage};
use super::request::{Principal, Request};
use moat_model::{Maybe, PolicyDocument, Role, Unknown, Verdict};

/// The documents of a role's identity policies and boundary, owned (the managed ones are parsed
/// from the catalog), with what moat could not read.
pub struct RolePolicies {
    pub identity: Vec<PolicyDocument>,
    pub identity_unknown: Vec<Unknown>,
    /// `None`: the role has no boundary.
    pub boundary: Option<(Vec<PolicyDocument>, Vec<Unknown>)>,
}

fn managed_doc(arn: &str) -> Option<PolicyDocument> {
    let m = moat_catalog::managed_policy(arn)?;
    let json: serde_json::Value = serde_json::from_str(m.document).ok()?;
    let prov = moat_model::Provenance::resource(arn);
    PolicyDocument::from_json(&json, &prov).ok().map(|d| {
        d.labelled(format!(
            "AWS managed policy {} (as of {}, {})",
            m.name, m.read_on, m.source
        ))
    })
}

impl RolePolicies {
    pub fn of(role: &Role) -> Self {
        let mut identity = role.policies.clone();
        let mut identity_unknown = Vec::new();
        for arn in &role.managed_policy_arns {
            match arn {
                Maybe::Known(a) if role.policies.iter().any(|p| p.attached_as.as_deref() == Some(a)) => {}
                Maybe::Known(a) => match managed_doc(a) {
                    Some(d) => identity.push(d),
                    None => identity_unknown.push(Unknown {
                        what: format!("managed policy {a} attached to role `{}`", role.id),
                        prov: role.prov.clone(),
                        settle: "moat knows only the AWS managed policies in its catalog and the customer managed policies of the template; check the live account (`moat audit`)".into(),
                    }),
                },
                Maybe::Unknown(w) => identity_unknown.push(Unknown {
                    what: format!("a managed policy of role `{}` ({w})", role.id),
                    prov: role.prov.clone(),
                    settle: "give the ARN a literal value".into(),
                }),
            }
        }
        let boundary = role.permissions_boundary.as_ref().map(|b| {
            let known = match &b.document {
                Maybe::Known(d) => Some(d.clone()),
                Maybe::Unknown(_) => b.arn.known().and_then(|a| managed_doc(a)),
            };
            match known {
                Some(d) => (vec![d], Vec::new()),
                None => (
                    Vec::new(),
                    vec![Unknown {
                        what: format!(
                            "the permissions boundary of role `{}` ({})",
                            role.id,
                            b.document.why_unknown().unwrap_or("not readable")
                        ),
                        prov: b.prov.clone(),
                        settle: "define the boundary policy in the template, or check the live account (`moat audit`)".into(),
                    }],
                ),
            }
        });
        RolePolicies {
            identity,
            identity_unknown,
            boundary,
        }
    }
}

/// The identity layer of a role.
pub fn identity_layer<'a>(role: &Role, p: &'a RolePolicies) -> Layer<'a> {
    Layer {
        stage: Stage::Identity,
        what: format!("the identity policies of role `{}`", role.id),
        docs: p.identity.iter().collect(),
        must_allow: true,
        unknown: p.identity_unknown.clone(),
    }
}

/// The boundary layer of a role, if it has a boundary.
pub fn boundary_layer<'a>(role: &Role, p: &'a RolePolicies) -> Option<Layer<'a>> {
    let (docs, unknown) = p.boundary.as_ref()?;
    Some(Layer {
        stage: Stage::Boundary,
        what: format!("the permissions boundary of role `{}`", role.id),
        docs: docs.iter().collect(),
        must_allow: true,
        unknown: unknown.clone(),
    })
}

/// Does the role's trust policy let `ecs-tasks.amazonaws.com` assume it for a task of `account`
/// in `region`? The request carries `aws:SourceAccount` and `aws:SourceArn` (the task's ARN,
/// cluster and id unknown), so confused-deputy conditions naming another account or region
/// refute it.
/// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
/// (trust policy with `aws:SourceAccount`/`aws:SourceArn`),
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
pub fn trust_verdict(
    role: &Role,
    partition: &str,
    account: &Maybe<String>,
    region: &str,
) -> Verdict {
    let Some(trust) = &role.trust else {
        return Verdict::Unproved(vec![Unknown {
            what: format!("the trust policy of role `{}`", role.id),
            prov: role.prov.clone(),
            settle: "give the role an AssumeRolePolicyDocument".into(),
        }]);
    };
    let doc = match trust {
        Maybe::Known(d) => d,
        Maybe::Unknown(w) => {
            return Verdict::Unproved(vec![Unknown {
                what: format!("the trust policy of role `{}` ({w})", role.id),
                prov: role.prov.clone(),
                settle: "give the trust policy literal values".into(),
            }])
        }
    };
    let mut req = Request::new(
        Principal::Service("ecs-tasks.amazonaws.com".into()),
        "sts:AssumeRole",
        None,
    );
    req = match account {
        Maybe::Known(a) if region == moat_model::UNKNOWN_REGION => {
            req.with("aws:SourceAccount", a).unknown(
                "aws:SourceArn",
                "the region of the task ARN (no region given)",
                "pass --region",
            )
        }
        Maybe::Known(a) => req.with("aws:SourceAccount", a).with(
            "aws:SourceArn",
            &format!("arn:{partition}:ecs:{region}:{a}:task/*"),
        ),
        // Unknown: the value `AWS::AccountId` takes in the model (the same on the policy's
        // side when written `!Ref AWS::AccountId`); a literal account may or may not be it.
        Maybe::Unknown(_) => {
            let a = moat_model::UNKNOWN_ACCOUNT;
            let req = req.assigned("aws:SourceAccount", a, "");
            if region == moat_model::UNKNOWN_REGION {
                req.unknown(
                    "aws:SourceArn",
                    "the region of the task ARN (no region given)",
                    "pass --region",
                )
            } else {
                req.with(
                    "aws:SourceArn",
                    &format!("arn:{partition}:ecs:{region}:{a}:task/*"),
                )
            }
        }
    };
    let layer = Layer {
        stage: Stage::Resource,
        what: format!("the trust policy of role `{}`", role.id),
        docs: vec![doc],
        must_allow: true,
        unknown: Vec::new(),
    };
    decide(&[layer], &req).verdict
}
