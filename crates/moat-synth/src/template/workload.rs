//! ECR repositories, the cluster, IAM roles, log groups, task definitions, services and
//! autoscaling.

use super::network::service_sg;
use super::{egress, ingress, name_tag, nlb, policy_doc, trust, Resources};
use crate::egress::PlannedEgress;
use crate::plan::{logical_stem, Plan, PlannedAutoscaling, PlannedService, ServiceRole};
use crate::tree::{from_json, get_att, r, s, sub, MapB, Node};
use moat_model::LaunchType;

/// ECS's source ARN pattern for the confused-deputy condition (seed 001's form).
const ECS_SOURCE_ARN: &str = "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*";

pub(super) fn emit(plan: &Plan, res: &mut Resources) {
    // `a-b` and `a/b` have the same stem: number the second.
    let mut used = std::collections::BTreeSet::new();
    for repo in &plan.ecr_repositories {
        let mut id = format!("{}Repository", logical_stem(repo));
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{}Repository{n}", logical_stem(repo));
            n += 1;
        }
        res.add(
            &id,
            "AWS::ECR::Repository",
            MapB::new()
                .put("RepositoryName", s(repo))
                .put(
                    "ImageScanningConfiguration",
                    MapB::new().put("ScanOnPush", Node::Bool(true)).build(),
                )
                // A tag, once pushed, names one image for good: what was reviewed is what runs.
                // https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
                .put("ImageTagMutability", s("IMMUTABLE"))
                .put(
                    "EncryptionConfiguration",
                    MapB::new()
                        .put("EncryptionType", s("KMS"))
                        .put("KmsKey", super::posture::key_arn())
                        .build(),
                )
                .put("Tags", name_tag(plan, repo)),
        );
    }
    res.add(
        "Cluster",
        "AWS::ECS::Cluster",
        MapB::new()
            .put("ClusterName", s(&plan.name))
            .put(
                "ClusterSettings",
                Node::Seq(vec![MapB::new()
                    .put("Name", s("containerInsights"))
                    .put("Value", s("enabled"))
                    .build()]),
            )
            .put("Tags", name_tag(plan, "cluster")),
    );
    // The template creates every awslogs group so its retention applies. When a task
    // definition also sets `awslogs-create-group`, the agent's CreateLogGroup finds the group
    // already there and carries on; a group the agent creates itself would never expire.
    for g in &plan.log_groups {
        res.add_retained(
            &g.logical_id,
            "AWS::Logs::LogGroup",
            MapB::new()
                .put("LogGroupName", s(&g.name))
                .put("RetentionInDays", Node::Int(i64::from(g.retention_days)))
                .put("KmsKeyId", super::posture::key_arn())
                .put("Tags", name_tag(plan, "logs")),
        );
    }
    for svc in &plan.services {
        service(plan, svc, res);
    }
}

fn execution_role(svc: &PlannedService) -> String {
    format!("{}ExecutionRole", svc.logical_id)
}

fn inline_policy(name: &str, plan: &Plan, stmts: &[crate::plan::PolicyStatement]) -> Node {
    Node::Seq(vec![MapB::new()
        .put("PolicyName", s(format!("{}-{name}", plan.name)))
        .put("PolicyDocument", policy_doc(stmts, false))
        .build()])
}

fn service(plan: &Plan, svc: &PlannedService, res: &mut Resources) {
    let id = &svc.logical_id;
    let role = roles(plan, svc, res);
    let td = format!("{id}TaskDefinition");
    res.add(
        &td,
        "AWS::ECS::TaskDefinition",
        task_definition(plan, svc, &role),
    );

    // The egress gateway runs in its own subnets with a public IP (its way out through the
    // internet gateway); every other service in the isolated task subnets without one.
    let gateway = match (&plan.egress, svc.role) {
        (Some(eg), ServiceRole::EgressGateway) => Some(eg),
        _ => None,
    };
    let launch = if svc.capacity == LaunchType::Ec2 {
        "EC2"
    } else {
        "FARGATE"
    };
    let mut props = MapB::new()
        .put("ServiceName", s(&svc.name))
        .put("Cluster", r("Cluster"))
        .put("TaskDefinition", r(&td))
        .put("LaunchType", s(launch))
        .put("DesiredCount", Node::Int(i64::from(svc.desired_count)))
        .put("EnableExecuteCommand", Node::Bool(svc.execute_command))
        .put(
            "NetworkConfiguration",
            network_configuration(plan, svc, gateway),
        );
    let service_id = format!("{id}Service");
    if let Some(eg) = gateway {
        props.push(
            "LoadBalancers",
            nlb::service_registration(svc, crate::egress::GATEWAY_CONTAINER, eg.port),
        );
        egress::emit(plan, svc, eg, res);
        // `moat:egress-gateway` tells `moat check` (and `moat audit`) that this service is the
        // gateway its subnets' internet route exists for.
        let mut tags = name_tag(plan, &svc.name);
        if let Node::Seq(list) = &mut tags {
            list.push(
                MapB::new()
                    .put("Key", s("moat:egress-gateway"))
                    .put("Value", s("true"))
                    .build(),
            );
        }
        res.add_after(
            &service_id,
            "AWS::ECS::Service",
            &[nlb::listener(svc)],
            props.put("Tags", tags),
        );
    } else if let Some(ing) = &svc.ingress {
        props.push(
            "LoadBalancers",
            nlb::service_registration(svc, &ing.container, ing.container_port),
        );
        // The target group must be attached to a listener before the service registers tasks.
        ingress::emit(plan, svc, ing, res);
        res.add_after(
            &service_id,
            "AWS::ECS::Service",
            &[nlb::listener(svc)],
            props.put("Tags", name_tag(plan, &svc.name)),
        );
    } else {
        res.add(
            &service_id,
            "AWS::ECS::Service",
            props.put("Tags", name_tag(plan, &svc.name)),
        );
    }
    if let Some(a) = &svc.autoscaling {
        autoscaling(plan, svc, a, &service_id, res);
    }
}

/// The service's execution role and task role; returns the task role's logical id.
fn roles(plan: &Plan, svc: &PlannedService, res: &mut Resources) -> String {
    let id = &svc.logical_id;
    // One execution role per service: what its own task definition needs, not the union over
    // services and not AmazonECSTaskExecutionRolePolicy (ECR pull and logs on `*`). The
    // gateway's role therefore never grants a workload's secrets, nor a workload's the
    // gateway's image.
    res.add(
        &execution_role(svc),
        "AWS::IAM::Role",
        MapB::new()
            .put(
                "AssumeRolePolicyDocument",
                trust("ecs-tasks.amazonaws.com", ECS_SOURCE_ARN),
            )
            .put_if(!svc.execution_role.is_empty(), "Policies", || {
                inline_policy(
                    &format!("{}-execution", svc.name),
                    plan,
                    &svc.execution_role,
                )
            })
            .put("Tags", name_tag(plan, &format!("{}-execution", svc.name))),
    );
    let role = format!("{id}TaskRole");
    res.add(
        &role,
        "AWS::IAM::Role",
        MapB::new()
            .put(
                "AssumeRolePolicyDocument",
                trust("ecs-tasks.amazonaws.com", ECS_SOURCE_ARN),
            )
            .put_if(!svc.task_role.is_empty(), "Policies", || {
                inline_policy(&format!("{}-task", svc.name), plan, &svc.task_role)
            })
            .put("Tags", name_tag(plan, &format!("{}-task", svc.name))),
    );
    role
}

/// `awsvpc` placement: the gateway in its own subnets with a public IP, every other service in
/// the task subnets without one; each behind its own security group.
fn network_configuration(
    plan: &Plan,
    svc: &PlannedService,
    gateway: Option<&PlannedEgress>,
) -> Node {
    let subnets = match gateway {
        Some(eg) => &eg.subnets,
        None => &plan.subnets,
    };
    MapB::new()
        .put(
            "AwsvpcConfiguration",
            MapB::new()
                .put(
                    "AssignPublicIp",
                    s(if gateway.is_some() {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    }),
                )
                .put(
                    "Subnets",
                    Node::Seq(subnets.iter().map(|x| r(&x.logical_id)).collect()),
                )
                .put(
                    "SecurityGroups",
                    Node::Seq(vec![r(&service_sg(&svc.logical_id))]),
                )
                .build(),
        )
        .build()
}

/// Target tracking on average CPU between the spec's min and max task counts.
fn autoscaling(
    plan: &Plan,
    svc: &PlannedService,
    a: &PlannedAutoscaling,
    service_id: &str,
    res: &mut Resources,
) {
    let id = &svc.logical_id;
    let target = format!("{id}ScalableTarget");
    res.add(
        &target,
        "AWS::ApplicationAutoScaling::ScalableTarget",
        MapB::new()
            .put("ServiceNamespace", s("ecs"))
            .put("ScalableDimension", s("ecs:service:DesiredCount"))
            .put(
                "ResourceId",
                sub(format!("service/${{Cluster}}/${{{service_id}.Name}}")),
            )
            .put("MinCapacity", Node::Int(i64::from(a.min)))
            .put("MaxCapacity", Node::Int(i64::from(a.max))),
    );
    res.add(
        &format!("{id}CpuScalingPolicy"),
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        MapB::new()
            .put("PolicyName", s(format!("{}-{}-cpu", plan.name, svc.name)))
            .put("PolicyType", s("TargetTrackingScaling"))
            .put("ScalingTargetId", r(&target))
            .put(
                "TargetTrackingScalingPolicyConfiguration",
                MapB::new()
                    .put(
                        "PredefinedMetricSpecification",
                        MapB::new()
                            .put("PredefinedMetricType", s("ECSServiceAverageCPUUtilization"))
                            .build(),
                    )
                    .put("TargetValue", Node::Int(i64::from(a.cpu_target)))
                    .build(),
            ),
    );
}

/// Task definition properties: the converted file, with the roles the template creates, the
/// log groups it creates (by `Ref`, which also orders creation), and awsvpc networking.
fn task_definition(plan: &Plan, svc: &PlannedService, role: &str) -> MapB {
    let mut props = MapB::new();
    let mut seen_network_mode = false;
    let mut seen_compat = false;
    for (k, v) in &svc.task_definition {
        let node = match k.as_str() {
            "ContainerDefinitions" => {
                let containers = link_log_groups(plan, from_json(v));
                match (&plan.egress, svc.role) {
                    (Some(eg), ServiceRole::Workload) => with_proxy_env(plan, eg, containers),
                    _ => containers,
                }
            }
            "NetworkMode" => {
                seen_network_mode = true;
                from_json(v)
            }
            "RequiresCompatibilities" => {
                seen_compat = true;
                from_json(v)
            }
            "Tags" => with_name_tag(plan, svc, from_json(v)),
            _ => from_json(v),
        };
        props.push(k, node);
    }
    if !svc.task_definition.contains_key("Tags") {
        props.push("Tags", name_tag(plan, &svc.name));
    }
    if !seen_network_mode {
        props.push("NetworkMode", s("awsvpc"));
    }
    if !seen_compat {
        let c = if svc.capacity == LaunchType::Ec2 {
            "EC2"
        } else {
            "FARGATE"
        };
        props.push("RequiresCompatibilities", Node::Seq(vec![s(c)]));
    }
    props
        .put("ExecutionRoleArn", get_att(&execution_role(svc), "Arn"))
        .put("TaskRoleArn", get_att(role, "Arn"))
}

/// The task definition's own tags plus moat's `Name` tag (unless it sets `Name` itself): an
/// empty `tags: []`, as `describe-task-definition` prints, must not remove moat's tag.
fn with_name_tag(plan: &Plan, svc: &PlannedService, tags: Node) -> Node {
    let Node::Seq(mut list) = tags else {
        return tags;
    };
    let has_name = list.iter().any(|t| match t {
        Node::Map(p) => p
            .iter()
            .any(|(k, v)| k == "Key" && *v == Node::Str("Name".into())),
        _ => false,
    });
    if !has_name {
        if let Node::Seq(mut ours) = name_tag(plan, &svc.name) {
            ours.append(&mut list);
            list = ours;
        }
    }
    Node::Seq(list)
}

/// Points every container at the egress gateway: `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` and
/// their lowercase forms (curl reads only `http_proxy` in lowercase; most clients read both),
/// unless the container sets that variable itself.
fn with_proxy_env(plan: &Plan, eg: &crate::egress::PlannedEgress, containers: Node) -> Node {
    let Some(url) = egress::proxy_url(plan, eg) else {
        return containers;
    };
    let vars = [
        ("HTTPS_PROXY", url.clone()),
        ("HTTP_PROXY", url.clone()),
        ("NO_PROXY", s(&eg.no_proxy)),
        ("https_proxy", url.clone()),
        ("http_proxy", url),
        ("no_proxy", s(&eg.no_proxy)),
    ];
    let Node::Seq(list) = containers else {
        return containers;
    };
    let name_of = |e: &Node| match e {
        Node::Map(p) => p
            .iter()
            .find(|(k, _)| k == "Name")
            .and_then(|(_, v)| match v {
                Node::Str(n) => Some(n.clone()),
                _ => None,
            }),
        _ => None,
    };
    Node::Seq(
        list.into_iter()
            .map(|c| {
                let Node::Map(mut pairs) = c else { return c };
                let pos = match pairs.iter().position(|(k, _)| k == "Environment") {
                    Some(i) => i,
                    None => {
                        pairs.push(("Environment".into(), Node::Seq(Vec::new())));
                        pairs.len() - 1
                    }
                };
                if let Node::Seq(env) = &mut pairs[pos].1 {
                    let have: Vec<String> = env.iter().filter_map(name_of).collect();
                    for (name, value) in &vars {
                        if !have.iter().any(|h| h == name) {
                            env.push(
                                MapB::new()
                                    .put("Name", s(*name))
                                    .put("Value", value.clone())
                                    .build(),
                            );
                        }
                    }
                }
                Node::Map(pairs)
            })
            .collect(),
    )
}

/// Replaces each container's literal `awslogs-group` (or FireLens `log_group_name`) with a
/// `Ref` to the group's resource.
fn link_log_groups(plan: &Plan, containers: Node) -> Node {
    let Node::Seq(list) = containers else {
        return containers;
    };
    Node::Seq(
        list.into_iter()
            .map(|c| {
                let Node::Map(pairs) = c else { return c };
                Node::Map(
                    pairs
                        .into_iter()
                        .map(|(k, v)| {
                            if k == "LogConfiguration" {
                                (k, link_options(plan, v))
                            } else {
                                (k, v)
                            }
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

fn link_options(plan: &Plan, log: Node) -> Node {
    let Node::Map(pairs) = log else { return log };
    Node::Map(
        pairs
            .into_iter()
            .map(|(k, v)| {
                if k != "Options" {
                    return (k, v);
                }
                let Node::Map(opts) = v else { return (k, v) };
                let opts = opts
                    .into_iter()
                    .map(|(ok, ov)| match (&ov, ok.as_str()) {
                        // `log_group_name`: a FireLens CloudWatch output's group.
                        (Node::Str(name), "awslogs-group" | "log_group_name") => {
                            match plan.log_groups.iter().find(|g| &g.name == name) {
                                Some(g) => (ok, r(&g.logical_id)),
                                None => (ok, ov),
                            }
                        }
                        _ => (ok, ov),
                    })
                    .collect();
                (k, Node::Map(opts))
            })
            .collect(),
    )
}
