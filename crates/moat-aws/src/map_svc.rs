//! ELBv2, ECS and IAM describe shapes -> model elements. Load balancers, listeners and target
//! groups are identified by ARN (that is how endpoint services and ECS services refer to them).

use aws_sdk_ecs::types as ecs;
use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_sdk_iam::types as iam;
use moat_model::{
    Cluster, Container, Id, LaunchType, Listener, LoadBalancer, LoadBalancerKind, LogConfiguration,
    Maybe, PermissionsBoundary, PolicyDocument, Provenance, Role, Secret, Service, Statement,
    TargetGroup, TaskDefinition,
};
use serde_json::Value;

fn known<T>(v: Option<T>) -> Maybe<T> {
    match v {
        Some(v) => Maybe::Known(v),
        None => Maybe::unknown("not reported by the describe API"),
    }
}

fn s(v: Option<&str>) -> Maybe<String> {
    known(v.map(str::to_string))
}

fn port(p: Option<i32>) -> Maybe<u16> {
    match p.map(u16::try_from) {
        Some(Ok(p)) => Maybe::Known(p),
        Some(Err(_)) => Maybe::unknown("port out of range"),
        None => Maybe::unknown("no port"),
    }
}

pub fn map_load_balancer(l: &elb::LoadBalancer) -> LoadBalancer {
    let id = l.load_balancer_arn().unwrap_or_default().to_string();
    LoadBalancer {
        kind: match l.r#type().map(|t| t.as_str()) {
            Some("network") => Maybe::Known(LoadBalancerKind::Network),
            Some("application") => Maybe::Known(LoadBalancerKind::Application),
            Some("gateway") => Maybe::Known(LoadBalancerKind::Gateway),
            other => Maybe::unknown(format!("load balancer type {other:?}")),
        },
        internal: known(l.scheme().map(|s| s.as_str() == "internal")),
        subnets: l
            .availability_zones()
            .iter()
            .map(|z| known(z.subnet_id().map(Id::from)))
            .collect(),
        security_groups: l
            .security_groups()
            .iter()
            .map(|g| Maybe::Known(Id::from(g.as_str())))
            .collect(),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

pub fn map_target_group(t: &elb::TargetGroup) -> TargetGroup {
    let id = t.target_group_arn().unwrap_or_default().to_string();
    TargetGroup {
        port: port(t.port()),
        protocol: s(t.protocol().map(|p| p.as_str())),
        target_type: s(t.target_type().map(|p| p.as_str())),
        vpc: known(t.vpc_id().map(Id::from)),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

pub fn map_listener(l: &elb::Listener) -> Listener {
    let id = l.listener_arn().unwrap_or_default().to_string();
    let mut target_groups = Vec::new();
    for a in l.default_actions() {
        if let Some(tg) = a.target_group_arn() {
            target_groups.push(Maybe::Known(Id::from(tg)));
        }
        for t in a
            .forward_config()
            .map(|f| f.target_groups())
            .unwrap_or_default()
        {
            if let Some(tg) = t.target_group_arn() {
                let tg = Maybe::Known(Id::from(tg));
                if !target_groups.contains(&tg) {
                    target_groups.push(tg);
                }
            }
        }
    }
    Listener {
        load_balancer: known(l.load_balancer_arn().map(Id::from)),
        port: port(l.port()),
        protocol: s(l.protocol().map(|p| p.as_str())),
        certificates: l
            .certificates()
            .iter()
            .map(|c| s(c.certificate_arn()))
            .collect(),
        target_groups,
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

/// Cluster ARN is the id (services name their cluster by ARN).
pub fn map_cluster(c: &ecs::Cluster) -> Cluster {
    let id = c.cluster_arn().unwrap_or_default().to_string();
    let insights = c
        .settings()
        .iter()
        .find(|x| x.name().is_some_and(|n| n.as_str() == "containerInsights"))
        .and_then(|x| x.value())
        // `enhanced` is container insights with more metrics.
        .map(|v| v == "enabled" || v == "enhanced");
    Cluster {
        container_insights: Maybe::Known(insights.unwrap_or(false)),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

pub fn map_service(v: &ecs::Service) -> Service {
    let id = v.service_arn().unwrap_or_default().to_string();
    let net = v
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let launch_type = match v.launch_type().map(|l| l.as_str()) {
        Some("FARGATE") => Maybe::Known(LaunchType::Fargate),
        Some("EC2") => Maybe::Known(LaunchType::Ec2),
        Some("EXTERNAL") => Maybe::Known(LaunchType::External),
        Some(o) => Maybe::unknown(format!("launch type {o}")),
        None => match v.capacity_provider_strategy().first() {
            Some(c) if c.capacity_provider().starts_with("FARGATE") => {
                Maybe::Known(LaunchType::Fargate)
            }
            Some(_) => Maybe::Known(LaunchType::Ec2),
            None => Maybe::unknown("no launch type or capacity provider strategy"),
        },
    };
    Service {
        name: s(v.service_name()),
        cluster: known(v.cluster_arn().map(Id::from)),
        task_definition: known(v.task_definition().map(Id::from)),
        launch_type,
        subnets: net
            .map(|n| {
                n.subnets()
                    .iter()
                    .map(|x| Maybe::Known(Id::from(x.as_str())))
                    .collect()
            })
            .unwrap_or_default(),
        security_groups: net
            .map(|n| {
                n.security_groups()
                    .iter()
                    .map(|x| Maybe::Known(Id::from(x.as_str())))
                    .collect()
            })
            .unwrap_or_default(),
        assign_public_ip: Maybe::Known(
            net.and_then(|n| n.assign_public_ip())
                .is_some_and(|a| a.as_str() == "ENABLED"),
        ),
        enable_execute_command: Maybe::Known(v.enable_execute_command()),
        desired_count: match u32::try_from(v.desired_count()) {
            Ok(n) => Maybe::Known(n),
            Err(_) => Maybe::unknown("negative desired count"),
        },
        target_groups: v
            .load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn())
            .map(|a| Maybe::Known(Id::from(a)))
            .collect(),
        // Present when DescribeServices is asked to `include` TAGS.
        egress_gateway: v.tags().iter().any(|t| {
            t.key() == Some("moat:egress-gateway")
                && t.value().is_some_and(|x| x.eq_ignore_ascii_case("true"))
        }),
        prov: Provenance::resource(&id),
        id: Id(id),
    }
}

fn secret(x: &ecs::Secret, prov: &Provenance) -> Secret {
    Secret {
        name: Maybe::Known(x.name().to_string()),
        value_from: Maybe::Known(x.value_from().to_string()),
        prov: prov.clone(),
    }
}

pub fn map_task_definition(t: &ecs::TaskDefinition) -> TaskDefinition {
    let id = t.task_definition_arn().unwrap_or_default().to_string();
    let prov = Provenance::resource(&id);
    let containers = t
        .container_definitions()
        .iter()
        .map(|c| Container {
            name: s(c.name()),
            image: s(c.image()),
            // ECS default: a container is essential unless it says otherwise.
            essential: Maybe::Known(c.essential().unwrap_or(true)),
            log: c.log_configuration().map(|l| LogConfiguration {
                driver: Maybe::Known(l.log_driver().as_str().to_string()),
                options: l
                    .options()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), Maybe::Known(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default(),
                secret_options: l
                    .secret_options()
                    .iter()
                    .map(|x| secret(x, &prov))
                    .collect(),
                prov: prov.clone(),
            }),
            secrets: c.secrets().iter().map(|x| secret(x, &prov)).collect(),
            repository_credentials: c
                .repository_credentials()
                .map(|r| Maybe::Known(r.credentials_parameter().to_string())),
            environment_files: c
                .environment_files()
                .iter()
                .map(|f| (Maybe::Known(f.value().to_string()), prov.clone()))
                .collect(),
            firelens: c
                .firelens_configuration()
                .map(|f| Maybe::Known(f.r#type().as_str().to_string())),
            environment: c
                .environment()
                .iter()
                .filter_map(|kv| Some((kv.name()?.to_string(), s(kv.value()))))
                .collect(),
            prov: prov.clone(),
        })
        .collect();
    TaskDefinition {
        family: s(t.family()),
        requires_compatibilities: t
            .requires_compatibilities()
            .iter()
            .map(|c| Maybe::Known(c.as_str().to_string()))
            .collect(),
        network_mode: s(t.network_mode().map(|n| n.as_str())),
        execution_role: t.execution_role_arn().map(|a| Maybe::Known(a.to_string())),
        task_role: t.task_role_arn().map(|a| Maybe::Known(a.to_string())),
        containers,
        containers_unknown: None,
        prov,
        id: Id(id),
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986). Some emulators return them plain;
/// text that already parses as JSON is used as is.
/// Source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
pub fn decode_policy(doc: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(doc) {
        return Some(v);
    }
    serde_json::from_str(&percent_decode(doc)?).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b.get(i) {
            Some(b'%') => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            Some(b'+') => {
                out.push(b' ');
                i += 1;
            }
            Some(&c) => {
                out.push(c);
                i += 1;
            }
            None => break,
        }
    }
    String::from_utf8(out).ok()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// Permission statements of a policy document (`NotAction` statements are skipped: the model
/// has no way to express them, and skipping can only under-approximate what is allowed).
pub fn policy_statements(doc: &Value, prov: &Provenance) -> Vec<Statement> {
    statements(doc)
        .into_iter()
        .filter(|st| st.get("Action").is_some())
        .map(|st| Statement {
            allow: st.get("Effect").and_then(Value::as_str) == Some("Allow"),
            actions: strings(st.get("Action"))
                .into_iter()
                .map(Maybe::Known)
                .collect(),
            resources: strings(st.get("Resource"))
                .into_iter()
                .map(Maybe::Known)
                .collect(),
            prov: prov.clone(),
        })
        .collect()
}

/// A role from GetRole plus its attached managed policies and inline policy documents.
/// `inline`: each inline policy document as read, or why it could not be read; an unreadable
/// one stays in the role as a policy whose every element is unknown (it may hold a Deny).
pub fn map_role(
    r: &iam::Role,
    attached: &[iam::AttachedPolicy],
    inline: &[Result<Value, String>],
) -> Role {
    let prov = Provenance::resource(r.arn());
    let trust = r.assume_role_policy_document().and_then(decode_policy);
    let mut trusted_services = Vec::new();
    let mut source_conditions = false;
    if let Some(t) = &trust {
        for st in statements(t) {
            trusted_services.extend(strings(st.get("Principal").and_then(|p| p.get("Service"))));
            if let Some(Value::Object(ops)) = st.get("Condition") {
                source_conditions |= ops.values().any(|keys| {
                    keys.as_object().is_some_and(|k| {
                        k.keys().any(|k| {
                            let k = k.to_ascii_lowercase();
                            k == "aws:sourceaccount" || k == "aws:sourcearn"
                        })
                    })
                });
            }
        }
    }
    Role {
        id: Id::from(r.role_name()),
        arn: Maybe::Known(r.arn().to_string()),
        managed_policy_arns: attached.iter().map(|p| s(p.policy_arn())).collect(),
        statements: inline
            .iter()
            .flatten()
            .flat_map(|d| policy_statements(d, &prov))
            .collect(),
        trusted_services,
        trust_has_source_conditions: source_conditions,
        policies: inline
            .iter()
            .enumerate()
            .map(|(i, d)| {
                d.as_ref()
                    .map_err(String::clone)
                    .and_then(|d| PolicyDocument::from_json(d, &prov))
                    .map(|p| {
                        p.labelled(format!("inline policy {} of role {}", i + 1, r.role_name()))
                    })
                    .unwrap_or_else(|e| unreadable_policy(&prov, &e))
            })
            .collect(),
        // GetRole's PermissionsBoundary: the audit reads the boundary document and fills it in.
        permissions_boundary: r.permissions_boundary().map(|b| PermissionsBoundary {
            arn: s(b.permissions_boundary_arn()),
            document: Maybe::Unknown("the boundary policy document was not read".into()),
            prov: prov.field("PermissionsBoundary"),
        }),
        trust: trust.as_ref().map(|t| {
            PolicyDocument::from_json(t, &prov)
                .map(|d| d.labelled(format!("trust policy of role {}", r.role_name())))
                .map_or_else(Maybe::Unknown, Maybe::Known)
        }),
        prov,
    }
}

/// A policy document that does not follow the grammar: one Deny statement whose every element is
/// unknown, so nothing it could say counts as allowed.
fn unreadable_policy(prov: &Provenance, why: &str) -> PolicyDocument {
    let unknown = || Maybe::Unknown(format!("unreadable policy: {why}"));
    PolicyDocument {
        label: format!("unreadable policy ({why})"),
        statements: vec![moat_model::PolicyStatement {
            sid: None,
            effect: Maybe::Unknown(format!("unreadable policy: {why}")),
            actions: moat_model::Patterns {
                negated: false,
                items: vec![unknown()],
            },
            resources: moat_model::Patterns {
                negated: false,
                items: vec![unknown()],
            },
            principals: None,
            conditions: Vec::new(),
            prov: prov.clone(),
        }],
        attached_as: None,
        prov: prov.clone(),
    }
}

#[cfg(test)]
#[path = "map_svc_tests.rs"]
mod tests;
