//! AWS::ECS::*, AWS::IAM::* and AWS::Logs::LogGroup.

use super::util::*;
use crate::stack::{Env, Pending};
use crate::value::{Val, V};
use crate::Error;
use moat_model::*;

/// A role reference: a Ref/GetAtt to a role of the template becomes that role's model id.
fn role_ref(v: &V) -> Maybe<String> {
    match &v.val {
        Val::Att { res, attr } if attr == "Arn" => Maybe::Known(res.clone()),
        _ => v.text().map_or_else(Maybe::Unknown, Maybe::Known),
    }
}

fn secrets(v: Option<&V>, prov: &Provenance) -> Vec<Secret> {
    match v.map(|v| v.items()) {
        Some(Ok(items)) => items
            .iter()
            .map(|s| Secret {
                name: mstr(s.get("Name"), "Name"),
                value_from: mstr(s.get("ValueFrom"), "ValueFrom"),
                prov: prov.with_pos(s.pos.line, s.pos.col),
            })
            .collect(),
        Some(Err(w)) => vec![Secret {
            name: Maybe::Unknown(w.clone()),
            value_from: Maybe::Unknown(w),
            prov: prov.clone(),
        }],
        None => Vec::new(),
    }
}

/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-taskdefinition-containerdefinition.html
fn container(c: &V, prov: &Provenance) -> Container {
    let mut cp = prov.with_pos(c.pos.line, c.pos.col);
    field(&mut cp, "image", c.get("Image"));
    let log = c.get("LogConfiguration").map(|l| LogConfiguration {
        driver: mstr(l.get("LogDriver"), "LogDriver"),
        options: match l.get("Options").map(|o| &o.val) {
            Some(Val::Map(m)) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.name.clone(),
                        v.text().map_or_else(Maybe::Unknown, Maybe::Known),
                    )
                })
                .collect(),
            _ => Default::default(),
        },
        secret_options: secrets(l.get("SecretOptions"), &cp),
        prov: cp.with_pos(l.pos.line, l.pos.col),
    });
    let environment = match c.get("Environment").map(|e| e.items()) {
        Some(Ok(items)) => items
            .iter()
            .filter_map(|e| Some((e.get("Name")?.text().ok()?, mstr(e.get("Value"), "Value"))))
            .collect(),
        _ => Vec::new(),
    };
    let environment_files = match c.get("EnvironmentFiles").map(|e| e.items()) {
        Some(Ok(items)) => items
            .iter()
            .map(|e| {
                (
                    mstr(e.get("Value"), "Value"),
                    cp.with_pos(e.pos.line, e.pos.col),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    Container {
        name: mstr(c.get("Name"), "Name"),
        image: mstr(c.get("Image"), "Image"),
        // Essential defaults to true: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_environment
        essential: bool_or(c.get("Essential"), true),
        log,
        secrets: secrets(c.get("Secrets"), &cp),
        repository_credentials: c
            .get("RepositoryCredentials")
            .map(|r| mstr(r.get("CredentialsParameter"), "CredentialsParameter")),
        environment_files,
        firelens: c
            .get("FirelensConfiguration")
            .map(|f| mstr(f.get("Type"), "Type")),
        environment,
        prov: cp,
    }
}

fn launch_of(provider: &str) -> LaunchType {
    if provider == "FARGATE" || provider == "FARGATE_SPOT" {
        LaunchType::Fargate
    } else {
        LaunchType::Ec2
    }
}

fn strategy(v: &V) -> Option<Maybe<LaunchType>> {
    let items = v.items().ok()?;
    let first = items.first()?;
    Some(match first.get("CapacityProvider").map(|c| c.text()) {
        Some(Ok(s)) => Maybe::Known(launch_of(&s)),
        Some(Err(w)) => Maybe::Unknown(w),
        None => Maybe::Unknown("CapacityProvider not set".into()),
    })
}

/// Policy statements of a policy document.
fn statements(doc: Option<&V>, prov: &Provenance) -> Vec<Statement> {
    let Some(doc) = doc else { return Vec::new() };
    let st = match doc.get("Statement") {
        Some(
            s @ V {
                val: Val::Map(_), ..
            },
        ) => vec![s.clone()],
        Some(s) => s.items().unwrap_or_default(),
        None => Vec::new(),
    };
    st.iter()
        .map(|s| Statement {
            allow: s.get("Effect").and_then(V::as_str) != Some("Deny"),
            actions: strs(s.get("Action").or_else(|| s.get("NotAction"))),
            resources: strs(s.get("Resource").or_else(|| s.get("NotResource"))),
            prov: prov.with_pos(s.pos.line, s.pos.col),
        })
        .collect()
}

pub fn lower(env: &mut Env, ty: &str, p: &V, prov: Provenance) -> Result<bool, Error> {
    let id = Id(prov.resource.clone());
    match ty {
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-cluster.html
        "AWS::ECS::Cluster" => cluster(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-taskdefinition.html
        "AWS::ECS::TaskDefinition" => task_definition(&mut env.model, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html
        "AWS::ECS::Service" => service(env, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html
        "AWS::IAM::Role" => role(&mut env.model, id, p, prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-policy.html
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => role_policy(env, ty, p, &prov),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html
        "AWS::Logs::LogGroup" => env.model.log_groups.push(LogGroup {
            id,
            name: mstr(p.get("LogGroupName"), "LogGroupName (assigned by AWS)"),
            retention_days: p.get("RetentionInDays").map(mnum),
            prov,
        }),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `AWS::ECS::Cluster`: Container Insights and the default capacity provider strategy (which
/// services without a launch type inherit).
fn cluster(env: &mut Env, id: Id, p: &V, prov: Provenance) {
    let insights = match p.get("ClusterSettings").map(|s| s.items()) {
        Some(Ok(items)) => items
            .iter()
            .find(|s| s.get("Name").and_then(V::as_str) == Some("containerInsights"))
            .map(|s| mstr(s.get("Value"), "Value").map(|v| v == "enabled" || v == "enhanced")),
        _ => None,
    };
    if let Some(Some(l)) = p.get("DefaultCapacityProviderStrategy").map(strategy) {
        env.cluster_launch.insert(id.clone(), l);
    }
    env.model.clusters.push(Cluster {
        id,
        container_insights: insights.unwrap_or_else(|| {
            Maybe::Unknown("containerInsights not set (account default)".into())
        }),
        prov,
    });
}

/// `AWS::ECS::TaskDefinition`: containers, roles, network mode.
fn task_definition(m: &mut Model, id: Id, p: &V, mut prov: Provenance) {
    // Left out, the list is known to be empty (ECS refuses that, and the catalog says
    // so); a value moat cannot resolve leaves it unknown, never empty.
    field(&mut prov, "containers", p.get("ContainerDefinitions"));
    let (containers, containers_unknown) = match p.get("ContainerDefinitions") {
        None => (Vec::new(), None),
        Some(c) if c.val == Val::NoValue => (Vec::new(), None),
        Some(c) => match c.items() {
            Ok(items) => (items.iter().map(|c| container(c, &prov)).collect(), None),
            Err(why) => (Vec::new(), Some(why)),
        },
    };
    m.task_definitions.push(TaskDefinition {
        id,
        family: mstr(p.get("Family"), "Family"),
        requires_compatibilities: strs(p.get("RequiresCompatibilities")),
        network_mode: p.get("NetworkMode").map_or_else(
            || Maybe::Known("bridge".into()),
            |v| mstr(Some(v), "NetworkMode"),
        ),
        execution_role: p.get("ExecutionRoleArn").map(role_ref),
        task_role: p.get("TaskRoleArn").map(role_ref),
        containers,
        containers_unknown,
        prov,
    });
}

/// `AWS::ECS::Service`: where its tasks run (launch type, subnets, security groups, public IP)
/// and what fronts them.
fn service(env: &mut Env, id: Id, p: &V, mut prov: Provenance) {
    field(
        &mut prov,
        "launch_type",
        p.get("LaunchType")
            .or_else(|| p.get("CapacityProviderStrategy")),
    );
    let cluster = p
        .get("Cluster")
        .map_or_else(|| Maybe::Known(Id("default".into())), mid);
    // Neither LaunchType nor a strategy: the cluster's default strategy, and without one
    // the EC2 launch type. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    let launch_type = match (
        p.get("LaunchType").map(|v| v.text()),
        p.get("CapacityProviderStrategy").and_then(strategy),
    ) {
        (Some(Ok(s)), _) => match s.as_str() {
            "FARGATE" => Maybe::Known(LaunchType::Fargate),
            "EC2" => Maybe::Known(LaunchType::Ec2),
            "EXTERNAL" => Maybe::Known(LaunchType::External),
            _ => Maybe::Unknown(format!("launch type `{s}`")),
        },
        (Some(Err(w)), _) => Maybe::Unknown(w),
        (None, Some(l)) => l,
        (None, None) => match cluster.known() {
            Some(c) if env.cluster_launch.contains_key(c) => env
                .cluster_launch
                .get(c)
                .cloned()
                .unwrap_or(Maybe::Known(LaunchType::Ec2)),
            Some(c)
                if env.kinds.get(c.as_str()).map(String::as_str) == Some("AWS::ECS::Cluster") =>
            {
                Maybe::Known(LaunchType::Ec2)
            }
            _ => Maybe::Unknown("the cluster's default capacity provider strategy".into()),
        },
    };
    let net = p
        .get("NetworkConfiguration")
        .and_then(|n| n.get("AwsvpcConfiguration"));
    field(&mut prov, "subnets", net.and_then(|n| n.get("Subnets")));
    field(
        &mut prov,
        "security_groups",
        net.and_then(|n| n.get("SecurityGroups")),
    );
    field(
        &mut prov,
        "assign_public_ip",
        net.and_then(|n| n.get("AssignPublicIp")),
    );
    let assign_public_ip = match net.and_then(|n| n.get("AssignPublicIp")).map(|v| v.text()) {
        None => Maybe::Known(false),
        Some(Ok(s)) => Maybe::Known(s == "ENABLED"),
        Some(Err(w)) => Maybe::Unknown(w),
    };
    let target_groups = match p.get("LoadBalancers").map(|l| l.items()) {
        Some(Ok(items)) => items
            .iter()
            .filter_map(|l| l.get("TargetGroupArn").map(mid))
            .collect(),
        _ => Vec::new(),
    };
    env.model.services.push(Service {
        id,
        name: mstr(p.get("ServiceName"), "ServiceName"),
        cluster,
        task_definition: mid_opt(p.get("TaskDefinition"), "TaskDefinition"),
        launch_type,
        subnets: ids(net.and_then(|n| n.get("Subnets"))),
        security_groups: ids(net.and_then(|n| n.get("SecurityGroups"))),
        assign_public_ip,
        enable_execute_command: bool_or(p.get("EnableExecuteCommand"), false),
        desired_count: p
            .get("DesiredCount")
            .map_or_else(|| Maybe::Unknown("DesiredCount not set".into()), mnum),
        target_groups,
        egress_gateway: tagged(p.get("Tags"), "moat:egress-gateway", "true"),
        prov,
    });
}

/// `AWS::IAM::Role`: trust (which services, with source conditions), inline policies, boundary.
fn role(m: &mut Model, id: Id, p: &V, mut prov: Provenance) {
    field(&mut prov, "policy", p.get("AssumeRolePolicyDocument"));
    let mut trusted = Vec::new();
    let mut source_cond = false;
    for s in p
        .get("AssumeRolePolicyDocument")
        .and_then(|d| d.get("Statement"))
        .and_then(|s| s.items().ok())
        .unwrap_or_default()
    {
        if let Some(svc) = s.get("Principal").and_then(|pr| pr.get("Service")) {
            let list = if matches!(svc.val, Val::Str(_) | Val::Res(_)) {
                vec![svc.clone()]
            } else {
                svc.items().unwrap_or_default()
            };
            trusted.extend(list.iter().filter_map(|v| v.text().ok()));
        }
        if let Some(Val::Map(ops)) = s.get("Condition").map(|c| &c.val) {
            source_cond |= ops.iter().any(|(_, kv)| {
                matches!(&kv.val, Val::Map(keys) if keys.iter().any(|(k, _)| {
                    let k = k.name.to_ascii_lowercase();
                    k == "aws:sourceaccount" || k == "aws:sourcearn"
                }))
            });
        }
    }
    let mut stmts = Vec::new();
    if let Some(Ok(pols)) = p.get("Policies").map(|v| v.items()) {
        for pol in &pols {
            stmts.extend(statements(pol.get("PolicyDocument"), &prov));
        }
    }
    m.roles.push(Role {
        id,
        arn: mstr(p.get("RoleName"), "RoleName (assigned by AWS)"),
        managed_policy_arns: strs(p.get("ManagedPolicyArns")),
        statements: stmts,
        trusted_services: trusted,
        trust_has_source_conditions: source_cond,
        policies: super::policy::inline_policies(p.get("Policies"), &prov),
        permissions_boundary: super::policy::boundary(p.get("PermissionsBoundary"), &prov),
        trust: p.get("AssumeRolePolicyDocument").map(|d| {
            super::policy::document(d, &prov, format!("trust policy of role {}", prov.resource))
        }),
        prov,
    });
}

/// `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy`: attached to their roles once every role is
/// lowered (`Pending::RolePolicy`).
fn role_policy(env: &mut Env, ty: &str, p: &V, prov: &Provenance) {
    let stmts = statements(p.get("PolicyDocument"), prov);
    let managed = (ty == "AWS::IAM::ManagedPolicy").then(|| prov.resource.clone());
    let kind = if managed.is_some() {
        "customer managed policy"
    } else {
        "policy"
    };
    let mut document = match p.get("PolicyDocument") {
        Some(d) => super::policy::document_or_unknown(d, prov, format!("{kind} {}", prov.resource)),
        None => super::policy::document_or_unknown(p, prov, format!("{kind} {}", prov.resource)),
    };
    document.attached_as = managed.clone();
    env.pending.push(Pending::RolePolicy {
        roles: ids(p.get("Roles")),
        statements: stmts,
        managed,
        document,
    });
}
