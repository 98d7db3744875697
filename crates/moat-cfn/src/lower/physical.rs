//! What `Ref` returns for resources whose reference a task definition or a policy uses as a
//! name or an ARN. Resolution keeps a `Ref` to a resource as its model id (so elements link);
//! where the id stands for a physical name, this pass substitutes what CloudFormation returns:
//!
//! - `AWS::Logs::LogGroup`: the log group name — its `LogGroupName`, else assigned by AWS
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html#aws-resource-logs-loggroup-return-values).
//! - `AWS::SecretsManager::Secret`: the secret's ARN
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values);
//!   its random suffix is unknown, so the ARN is written with the model id as the name, the
//!   same on every side that refers to it.
//! - `AWS::SSM::Parameter`: the parameter name
//!   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html#aws-resource-ssm-parameter-return-values),
//!   written as the parameter's ARN so readers know it is a Parameter Store value.
//!
//! Applied to container log options, secrets, repository credentials and role statement
//! resources, so the needs derived from a task and the permissions granted to its roles agree.

use crate::stack::Env;
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
                        Maybe::Unknown(_) => {
                            Maybe::Unknown(format!("the name of log group {id} is assigned by AWS"))
                        }
                    },
                    None => continue,
                }
            }
            "AWS::SecretsManager::Secret" => Maybe::Known(format!(
                "arn:aws:secretsmanager:{region}:{account}:secret:{id}"
            )),
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

pub fn apply(env: &mut Env) {
    let names = names(env);
    if names.is_empty() {
        return;
    }
    for td in &mut env.model.task_definitions {
        for c in &mut td.containers {
            if let Some(log) = &mut c.log {
                for v in log.options.values_mut() {
                    swap(v, &names);
                }
                for s in &mut log.secret_options {
                    swap(&mut s.value_from, &names);
                }
            }
            for s in &mut c.secrets {
                swap(&mut s.value_from, &names);
            }
            if let Some(r) = &mut c.repository_credentials {
                swap(r, &names);
            }
        }
    }
    for role in &mut env.model.roles {
        for st in &mut role.statements {
            for r in &mut st.resources {
                swap(r, &names);
            }
        }
    }
}
