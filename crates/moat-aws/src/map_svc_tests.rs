//! Hand-built ELBv2 / ECS / IAM shapes -> model elements.

use super::*;
use aws_sdk_ecs::types as ecs;
use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_sdk_iam::types as iam;
use moat_model::{LaunchType, LoadBalancerKind};

#[test]
fn load_balancer_listener_target_group() {
    let l = elb::LoadBalancer::builder()
        .load_balancer_arn("arn:lb")
        .r#type(elb::LoadBalancerTypeEnum::Network)
        .scheme(elb::LoadBalancerSchemeEnum::Internal)
        .vpc_id("vpc-1")
        .availability_zones(
            elb::AvailabilityZone::builder()
                .subnet_id("subnet-1")
                .build(),
        )
        .build();
    let m = map_load_balancer(&l);
    assert_eq!(m.kind, Maybe::Known(LoadBalancerKind::Network));
    assert_eq!(m.internal, Maybe::Known(true));
    assert_eq!(m.subnets, vec![Maybe::Known(Id::from("subnet-1"))]);

    let li = elb::Listener::builder()
        .listener_arn("arn:listener")
        .load_balancer_arn("arn:lb")
        .port(443)
        .protocol(elb::ProtocolEnum::Tls)
        .certificates(
            elb::Certificate::builder()
                .certificate_arn("arn:cert")
                .build(),
        )
        .default_actions(
            elb::Action::builder()
                .r#type(elb::ActionTypeEnum::Forward)
                .target_group_arn("arn:tg")
                .forward_config(
                    elb::ForwardActionConfig::builder()
                        .target_groups(
                            elb::TargetGroupTuple::builder()
                                .target_group_arn("arn:tg")
                                .build(),
                        )
                        .target_groups(
                            elb::TargetGroupTuple::builder()
                                .target_group_arn("arn:tg2")
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build();
    let m = map_listener(&li);
    assert_eq!(m.port, Maybe::Known(443));
    assert_eq!(m.protocol, Maybe::Known("TLS".to_string()));
    assert_eq!(m.certificates, vec![Maybe::Known("arn:cert".to_string())]);
    assert_eq!(
        m.target_groups,
        vec![
            Maybe::Known(Id::from("arn:tg")),
            Maybe::Known(Id::from("arn:tg2"))
        ]
    );

    let t = elb::TargetGroup::builder()
        .target_group_arn("arn:tg")
        .port(8080)
        .protocol(elb::ProtocolEnum::Tcp)
        .target_type(elb::TargetTypeEnum::Ip)
        .vpc_id("vpc-1")
        .build();
    let m = map_target_group(&t);
    assert_eq!(m.port, Maybe::Known(8080));
    assert_eq!(m.target_type, Maybe::Known("ip".to_string()));
}

#[test]
fn ecs_service_cluster() {
    let s = ecs::Service::builder()
        .service_arn("arn:svc")
        .service_name("api")
        .cluster_arn("arn:cluster")
        .task_definition("arn:td:1")
        .desired_count(2)
        .capacity_provider_strategy(
            ecs::CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .build()
                .expect("valid"),
        )
        .network_configuration(
            ecs::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    ecs::AwsVpcConfiguration::builder()
                        .subnets("subnet-1")
                        .security_groups("sg-1")
                        .assign_public_ip(ecs::AssignPublicIp::Enabled)
                        .build()
                        .expect("valid"),
                )
                .build(),
        )
        .load_balancers(
            ecs::LoadBalancer::builder()
                .target_group_arn("arn:tg")
                .build(),
        )
        .enable_execute_command(true)
        .build();
    let m = map_service(&s);
    assert_eq!(m.launch_type, Maybe::Known(LaunchType::Fargate));
    assert_eq!(m.assign_public_ip, Maybe::Known(true));
    assert_eq!(m.enable_execute_command, Maybe::Known(true));
    assert_eq!(m.desired_count, Maybe::Known(2));
    assert_eq!(m.subnets, vec![Maybe::Known(Id::from("subnet-1"))]);
    assert_eq!(m.target_groups, vec![Maybe::Known(Id::from("arn:tg"))]);
    assert_eq!(m.cluster, Maybe::Known(Id::from("arn:cluster")));

    let c = ecs::Cluster::builder()
        .cluster_arn("arn:cluster")
        .settings(
            ecs::ClusterSetting::builder()
                .name(ecs::ClusterSettingName::ContainerInsights)
                .value("enabled")
                .build(),
        )
        .build();
    assert_eq!(map_cluster(&c).container_insights, Maybe::Known(true));
}

#[test]
fn task_definition_containers() {
    let t = ecs::TaskDefinition::builder()
        .task_definition_arn("arn:td:1")
        .family("api")
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .execution_role_arn("arn:aws:iam::1:role/exec")
        .container_definitions(
            ecs::ContainerDefinition::builder()
                .name("app")
                .image("1.dkr.ecr.us-east-1.amazonaws.com/api:1")
                .secrets(
                    ecs::Secret::builder()
                        .name("DB")
                        .value_from("arn:aws:secretsmanager:x")
                        .build()
                        .expect("valid"),
                )
                .log_configuration(
                    ecs::LogConfiguration::builder()
                        .log_driver(ecs::LogDriver::Awslogs)
                        .options("awslogs-group", "/moat/api")
                        .build()
                        .expect("valid"),
                )
                .environment(
                    ecs::KeyValuePair::builder()
                        .name("MODE")
                        .value("prod")
                        .build(),
                )
                .build(),
        )
        .build();
    let m = map_task_definition(&t);
    assert_eq!(m.network_mode, Maybe::Known("awsvpc".to_string()));
    assert_eq!(
        m.requires_compatibilities,
        vec![Maybe::Known("FARGATE".to_string())]
    );
    assert_eq!(
        m.execution_role,
        Some(Maybe::Known("arn:aws:iam::1:role/exec".to_string()))
    );
    assert!(m.task_role.is_none());
    let c = &m.containers[0];
    assert_eq!(c.essential, Maybe::Known(true));
    assert_eq!(
        c.secrets[0].value_from,
        Maybe::Known("arn:aws:secretsmanager:x".to_string())
    );
    let log = c.log.as_ref().expect("log config");
    assert_eq!(log.driver, Maybe::Known("awslogs".to_string()));
    assert_eq!(
        log.options.get("awslogs-group"),
        Some(&Maybe::Known("/moat/api".to_string()))
    );
    assert_eq!(
        c.environment,
        vec![("MODE".to_string(), Maybe::Known("prod".to_string()))]
    );
}

#[test]
fn role_trust_and_policies() {
    // IAM returns documents URL-encoded.
    let trust = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22aws%3ASourceAccount%22%3A%22123%22%7D%7D%7D%5D%7D";
    let r = iam::Role::builder()
        .path("/")
        .role_name("exec")
        .role_id("AROA1")
        .arn("arn:aws:iam::123:role/exec")
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .assume_role_policy_document(trust)
        .build()
        .expect("valid role");
    let attached = iam::AttachedPolicy::builder()
        .policy_arn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
        .build();
    let inline = serde_json::json!({"Statement": {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}});
    let m = map_role(&r, &[attached], &[Ok(inline)]);
    assert_eq!(m.id.as_str(), "exec");
    assert_eq!(
        m.trusted_services,
        vec!["ecs-tasks.amazonaws.com".to_string()]
    );
    assert!(m.trust_has_source_conditions);
    assert_eq!(m.managed_policy_arns.len(), 1);
    assert_eq!(m.statements.len(), 1);
    assert!(m.statements[0].allow);
    assert_eq!(
        m.statements[0].actions,
        vec![Maybe::Known("logs:PutLogEvents".to_string())]
    );
    // The whole documents, for the IAM evaluation.
    assert_eq!(m.policies.len(), 1);
    let trust = m
        .trust
        .as_ref()
        .and_then(|t| t.known())
        .expect("trust read");
    assert_eq!(trust.statements[0].conditions[0].key, "aws:SourceAccount");
    assert!(m.permissions_boundary.is_none());
}

#[test]
fn unreadable_inline_policy_stays_unknown() {
    // Before: the audit dropped an inline policy it could not decode, so a Deny in it was lost
    // and the role's calls could be proved allowed.
    let r = iam::Role::builder()
        .path("/")
        .role_name("exec")
        .role_id("AROA1")
        .arn("arn:aws:iam::123:role/exec")
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .build()
        .expect("valid role");
    let m = map_role(&r, &[], &[Err("inline policy deny-all is not JSON".into())]);
    assert_eq!(m.policies.len(), 1, "the unreadable policy is kept");
    let st = &m.policies[0].statements[0];
    assert!(st.effect.known().is_none(), "its effect is unknown: {st:?}");
    assert!(st.actions.items.iter().all(|a| a.known().is_none()));
}

#[test]
fn role_boundary_arn_is_kept_for_the_audit_to_read() {
    let r = iam::Role::builder()
        .path("/")
        .role_name("exec")
        .role_id("AROA1")
        .arn("arn:aws:iam::123:role/exec")
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .permissions_boundary(
            iam::AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn("arn:aws:iam::123:policy/boundary")
                .build(),
        )
        .build()
        .expect("valid role");
    let m = map_role(&r, &[], &[]);
    let b = m.permissions_boundary.expect("boundary");
    assert_eq!(
        b.arn.known().map(String::as_str),
        Some("arn:aws:iam::123:policy/boundary")
    );
    assert!(
        !b.document.is_known(),
        "read later by the audit, never assumed"
    );
}

#[test]
fn decode_policy_plain_and_encoded() {
    assert!(decode_policy(r#"{"a":1}"#).is_some());
    assert!(decode_policy("%7B%22a%22%3A1%7D").is_some());
    assert!(decode_policy("%ZZ").is_none());
}
