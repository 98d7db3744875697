//! What `Ref` returns for resources whose reference a task definition or a policy uses as a
//! name or an ARN. A resource whose name the template fixes resolves at `Ref` already
//! (`intrinsics::attributes`); an unnamed one keeps its model id (so elements link), and where
//! the id stands for a physical name, this pass substitutes what CloudFormation returns:
//!
//! - `AWS::Logs::LogGroup`: the log group name — its `LogGroupName`, else assigned by AWS
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html#aws-resource-logs-loggroup-return-values).
//! - `AWS::SecretsManager::Secret`: the secret's ARN
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values);
//!   the name is generated, so the ARN is written with the model id as the name and AWS's
//!   random suffix as `-??????` (`value::SECRET_SUFFIX`), the same on every side that refers
//!   to it.
//! - `AWS::SSM::Parameter`: the parameter name
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html#aws-resource-ssm-parameter-return-values),
//!   written as the parameter's ARN so readers know it is a Parameter Store value.
//!
//! Applied to container log options, secrets, repository credentials and role statement
//! resources, so the needs derived from a task and the permissions granted to its roles agree.
//! A secret a task reads by partial ARN (the name without the suffix) is completed with the
//! suffix pattern (`value::complete_secret_arn`).

use crate::stack::Env;
use crate::value::{complete_secret_arn, SECRET_SUFFIX};
use moat_model::Maybe;
use std::collections::HashMap;

fn names(env: &Env) -> HashMap<String, Maybe<String>> {
    let (region, account) = (&env.region, &env.account_id);
    let mut out = HashMap::new();
    for (id, kind) in &env.kinds {
        let v = match kind.as_str() {
            "AWS::Logs::LogGroup" => {
                match env.model.log_groups.iter().find(|g| g.id.as_str() == id) {
                    Some(g) => match &g.name {
                        Maybe::Known(n) => Maybe::Known(n.clone()),
                        // (A generated name resolved at `Ref` already; here it is unknown text.)
                        Maybe::Unknown(w) => {
                            Maybe::Unknown(format!("the name of log group {id}: {w}"))
                        }
                    },
                    None => continue,
                }
            }
            // Unnamed (a named one resolved at `Ref` already): the model id stands in for the
            // name CloudFormation generates, the same on every side that refers to it.
            "AWS::SecretsManager::Secret" => Maybe::Known(format!(
                "arn:aws:secretsmanager:{region}:{account}:secret:{id}{SECRET_SUFFIX}"
            )),
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html#aws-resource-kms-key-return-values
            // (`Arn`); the key id is assigned by AWS, so the ARN carries the model id.
            "AWS::KMS::Key" => Maybe::Known(format!("arn:aws:kms:{region}:{account}:key/{id}")),
            "AWS::SSM::Parameter" => {
                Maybe::Known(format!("arn:aws:ssm:{region}:{account}:parameter/{id}"))
            }
            _ => continue,
        };
        out.insert(id.clone(), v);
    }
    out
}

fn swap(v: &mut Maybe<String>, names: &HashMap<String, Maybe<String>>) {
    if let Maybe::Known(s) = v {
        if let Some(n) = names.get(s.as_str()) {
            *v = n.clone();
        }
    }
}

/// A secret a task reads: its ARN with AWS's random suffix when the text names the secret by a
/// partial ARN (see [`complete_secret_arn`]). Only the needed side: a grant on a partial ARN
/// does not match the real one in IAM, so grants stay as written.
fn read_secret(v: &mut Maybe<String>, names: &HashMap<String, Maybe<String>>) {
    swap(v, names);
    if let Maybe::Known(s) = v {
        if let Some(full) = complete_secret_arn(s) {
            *s = full;
        }
    }
}

pub fn apply(env: &mut Env) {
    let names = names(env);
    for td in &mut env.model.task_definitions {
        for c in &mut td.containers {
            if let Some(log) = &mut c.log {
                for v in log.options.values_mut() {
                    swap(v, &names);
                }
                for s in &mut log.secret_options {
                    read_secret(&mut s.value_from, &names);
                }
            }
            for s in &mut c.secrets {
                read_secret(&mut s.value_from, &names);
            }
            if let Some(r) = &mut c.repository_credentials {
                read_secret(r, &names);
            }
        }
    }
    for role in &mut env.model.roles {
        for st in &mut role.statements {
            for r in &mut st.resources {
                swap(r, &names);
            }
        }
        let boundary = role
            .permissions_boundary
            .as_mut()
            .and_then(|b| match &mut b.document {
                Maybe::Known(d) => Some(d),
                Maybe::Unknown(_) => None,
            });
        for doc in role.policies.iter_mut().chain(boundary) {
            swap_document(doc, &names);
        }
    }
    let keys = env
        .model
        .kms_keys
        .iter_mut()
        .filter_map(|k| match &mut k.policy {
            Some(Maybe::Known(d)) => Some(d),
            _ => None,
        });
    let secrets = env
        .model
        .secrets
        .iter_mut()
        .filter_map(|s| match &mut s.policy {
            Some(Maybe::Known(d)) => Some(d),
            _ => None,
        });
    for doc in keys.chain(secrets) {
        swap_document(doc, &names);
    }
}

fn swap_document(doc: &mut moat_model::PolicyDocument, names: &HashMap<String, Maybe<String>>) {
    for st in &mut doc.statements {
        for r in &mut st.resources.items {
            swap(r, names);
        }
    }
}
