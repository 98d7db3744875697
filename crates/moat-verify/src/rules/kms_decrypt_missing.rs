use super::calls::{call_checks, secret_of};
use super::prelude::*;
use crate::iam::{
    boundary_layer, decide, identity_layer, Layer, Principal, Request, RolePolicies, Stage,
};
use moat_model::{PolicyDocument, Property, PropertyKind, Provenance, Unknown, Verdict};

rule! {
    /// ## What it does
    /// For every secret a task reads that is encrypted with a customer managed KMS key
    /// (`KmsKeyId` of an `AWS::SecretsManager::Secret`), evaluates `kms:Decrypt` by the
    /// execution role: its identity policies and permissions boundary must allow it, and the
    /// key policy must allow it (directly, or by delegating to IAM in the key's account).
    ///
    /// ## Why is this bad?
    /// Secrets Manager decrypts the secret with the caller's permissions. Without `kms:Decrypt`
    /// the task fails with `ResourceInitializationError: unable to pull secrets … AccessDeniedException`
    /// although `secretsmanager:GetSecretValue` is granted.
    ///
    /// ## Example
    /// A secret with `KmsKeyId: !Ref AppKey` and an execution role that allows only
    /// `secretsmanager:GetSecretValue`.
    ///
    /// ## Fix
    /// Allow `kms:Decrypt` on the key ARN in the execution role (and, if the key policy does not
    /// delegate to IAM, in the key policy for the role).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    /// - https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
    /// - https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    pub struct KmsDecryptMissing {
        code: "MOAT124",
        name: "kms-decrypt-missing",
        severity: Error,
        summary: "The execution role may not decrypt a secret's customer managed key",
    }
}

/// The key ARN for a `KmsKeyId`: a template key (by model id) or a literal ARN / id.
fn key_arn(cx: &Context<'_>, k: &str) -> String {
    if k.starts_with("arn:") {
        return k.to_string();
    }
    let acct = cx
        .model
        .account_id
        .known()
        .map_or(moat_model::UNKNOWN_ACCOUNT, String::as_str);
    let part = moat_catalog::needs::partition_of(&cx.region);
    if k.starts_with("alias/") {
        format!("arn:{part}:kms:{}:{acct}:{k}", cx.region)
    } else {
        format!("arn:{part}:kms:{}:{acct}:key/{k}", cx.region)
    }
}

/// AWS's default key policy: the account's root, i.e. IAM policies decide.
/// Source: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
fn default_key_policy(account: &str, prov: &Provenance) -> PolicyDocument {
    let json = serde_json::json!({"Statement": {"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"}});
    PolicyDocument::from_json(&json, prov)
        .expect("static policy")
        .labelled("the default key policy")
}

/// Statements that name principals other than whole accounts grant directly; those naming
/// only accounts delegate to IAM.
fn direct_statements(doc: &PolicyDocument) -> PolicyDocument {
    let delegating = |st: &moat_model::PolicyStatement| {
        st.principals.as_ref().is_some_and(|p| {
            !p.negated
                && p.items.iter().all(|(kind, v)| {
                    kind == "AWS"
                        && v.known().is_some_and(|v| {
                            v.ends_with(":root")
                                || (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
                        })
                })
        })
    };
    let mut d = doc.clone();
    d.statements.retain(|s| !delegating(s));
    d
}

impl Rule for KmsDecryptMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in call_checks(cx) {
            if c.action != "secretsmanager:GetSecretValue" {
                continue;
            }
            let (Some(role), Some(secret)) = (c.role, secret_of(cx, &c.resource)) else {
                continue;
            };
            let Some(Maybe::Known(k)) = &secret.kms_key else {
                continue;
            };
            if k.starts_with("alias/aws/") {
                continue; // the AWS managed key: its policy admits every principal of the account
            }
            let template_key = cx.model.kms_keys.iter().find(|x| x.id.as_str() == k);
            let arn = key_arn(cx, k);
            let account = cx.model.account_id.known().cloned();
            let req = Request::new(
                Principal::Role {
                    arn: Some(
                        role.arn
                            .known()
                            .filter(|a| a.starts_with("arn:"))
                            .cloned()
                            .unwrap_or_else(|| role.id.to_string()),
                    ),
                    account: Some(
                        account
                            .clone()
                            .unwrap_or_else(|| moat_model::UNKNOWN_ACCOUNT.to_string()),
                    ),
                },
                "kms:Decrypt",
                Some(&arn),
            )
            .with(
                "kms:ViaService",
                &format!("secretsmanager.{}.amazonaws.com", cx.region),
            )
            .without("aws:SourceVpce")
            .without("aws:SourceVpc");
            let req = match &account {
                Some(a) => req.with("aws:PrincipalAccount", a),
                None => req,
            };
            let policies = RolePolicies::of(role);
            let mut layers = vec![identity_layer(role, &policies)];
            layers.extend(boundary_layer(role, &policies));
            let (key_doc, key_unknown): (Option<PolicyDocument>, Vec<Unknown>) = match template_key.map(|t| (&t.policy, &t.prov)) {
                Some((Some(Maybe::Known(d)), _)) => (Some(d.clone()), vec![]),
                Some((None, prov)) => (Some(default_key_policy(account.as_deref().unwrap_or(moat_model::UNKNOWN_ACCOUNT), prov)), vec![]),
                Some((Some(Maybe::Unknown(w)), prov)) => (None, vec![Unknown { what: format!("the key policy of `{k}` ({w})"), prov: prov.clone(), settle: "give the key policy literal values".into() }]),
                None => (None, vec![Unknown { what: format!("the key policy of {arn} (not in the template)"), prov: secret.prov.clone(), settle: "define the key in the template, or check the live account (`moat audit`)".into() }]),
            };
            let direct = key_doc.as_ref().map(direct_statements);
            layers.push(Layer {
                stage: Stage::Resource,
                what: format!("the key policy of `{k}`"),
                docs: direct.iter().collect(),
                must_allow: false,
                unknown: vec![],
            });
            layers.push(Layer {
                stage: Stage::KeyPolicy,
                what: format!("the key policy of `{k}`"),
                docs: key_doc.iter().collect(),
                must_allow: true,
                unknown: key_unknown,
            });
            let d = decide(&layers, &req);
            cx.record(Property {
                kind: PropertyKind::Permission,
                subject: role.id.to_string(),
                claim: format!(
                    "service `{}`: execution role `{}` may call kms:Decrypt on {arn} (secret `{}`)",
                    c.view.name, role.id, secret.id
                ),
                verdict: d.verdict.clone(),
                prov: secret.prov.clone(),
            });
            let Verdict::Refuted { why } = &d.verdict else {
                continue;
            };
            let prov = match (d.stage, template_key) {
                (Some(Stage::KeyPolicy), Some(t)) => t.prov.field("KeyPolicy"),
                _ => role.prov.clone(),
            };
            out.push(Self::META.finding(
                format!(
                    "execution role `{}` may not decrypt secret `{}` with key {arn} ({why}); {}",
                    role.id, secret.id, c.why()
                ),
                prov,
                format!("allow kms:Decrypt on {arn} for role `{}` (role policy, and the key policy unless it delegates to IAM)", role.id),
            ));
        }
    }
}
