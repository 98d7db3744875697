//! moat-aws against a local moto_server (loopback only; never real AWS).
//!
//! The server comes from `MOAT_MOTO_SERVER`, else `moto_server` on PATH. Without one the test
//! prints why and passes, unless `CI` is set, where it fails.

#[path = "support/moto_server.rs"]
mod moto_server;

use moat_aws::{
    audit, connect, create_change_set, destroy, execute_and_wait, stack_status, AuditTarget, Aws,
    AwsOptions, ChangeAction, ChangeSetOutcome, StackState,
};
use moat_model::{Finding, Severity};
use std::time::Duration;

const TEMPLATE: &str = include_str!("fixtures/isolated.yml");
const STACK: &str = "moat-test";

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

async fn check(aws: &Aws, target: &AuditTarget) -> Vec<Finding> {
    let (model, _notes) = audit(aws, target).await.expect("audit");
    moat_verify::check(&model, &moat_verify::Options::default())
}

/// Register the task definition and create the Fargate service in the stack's subnets.
async fn create_service(aws: &Aws) {
    use aws_sdk_ecs::types as ecs;
    let res = aws
        .cfn
        .list_stack_resources()
        .stack_name(STACK)
        .send()
        .await
        .expect("resources");
    let physical = |t: &str| -> Vec<String> {
        res.stack_resource_summaries()
            .iter()
            .filter(|r| r.resource_type() == Some(t))
            .filter_map(|r| r.physical_resource_id().map(str::to_string))
            .collect()
    };
    let one = |t: &str| {
        physical(t)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("a {t} in the stack"))
    };
    let role_name = one("AWS::IAM::Role");
    let role = aws
        .iam
        .get_role()
        .role_name(role_name.rsplit('/').next().unwrap_or(&role_name))
        .send()
        .await
        .expect("role");
    let role = role.role().map(|r| r.arn().to_string()).expect("role arn");
    let cluster = one("AWS::ECS::Cluster");
    // moto's CloudFormation stores a role's inline policy as a Python dict that GetRolePolicy
    // does not return as JSON; put the same policy back as JSON text.
    aws.iam
        .put_role_policy()
        .role_name(role_name.rsplit('/').next().unwrap_or(&role_name))
        .policy_name("pull-and-log")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                    "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("put role policy");
    let subnets = physical("AWS::EC2::Subnet");
    let sgs: Vec<String> = {
        let ids = physical("AWS::EC2::SecurityGroup");
        let d = aws
            .ec2
            .describe_security_groups()
            .set_group_ids(Some(ids))
            .send()
            .await
            .expect("sgs");
        d.security_groups()
            .iter()
            .filter(|g| g.description() == Some("tasks"))
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect()
    };
    let td = aws
        .ecs
        .register_task_definition()
        .family("app")
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .execution_role_arn(&role)
        .container_definitions(
            ecs::ContainerDefinition::builder()
                .name("app")
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")
                .essential(true)
                .log_configuration(
                    ecs::LogConfiguration::builder()
                        .log_driver(ecs::LogDriver::Awslogs)
                        .options("awslogs-group", "/moat/test/app")
                        .options("awslogs-region", "us-east-1")
                        .options("awslogs-stream-prefix", "app")
                        .build()
                        .expect("log configuration"),
                )
                .build(),
        )
        .send()
        .await
        .expect("register task definition");
    let td_arn = td
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("arn")
        .to_string();
    aws.ecs
        .create_service()
        .cluster(&cluster)
        .service_name("app")
        .task_definition(&td_arn)
        .desired_count(1)
        .launch_type(ecs::LaunchType::Fargate)
        .network_configuration(
            ecs::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    ecs::AwsVpcConfiguration::builder()
                        .set_subnets(Some(subnets))
                        .set_security_groups(Some(sgs))
                        .assign_public_ip(ecs::AssignPublicIp::Disabled)
                        .build()
                        .expect("awsvpc"),
                )
                .build(),
        )
        .send()
        .await
        .expect("create service");
}

/// Put a boundary without the ECR pull actions on the execution role, audit (MOAT121), take it
/// off; give the logs endpoint a policy for another account's log groups, audit (MOAT122), and
/// put the full-access policy back.
async fn boundary_and_endpoint_policy(aws: &Aws, stack: &AuditTarget, model: &moat_model::Model) {
    let role_arn = model.roles[0].arn.known().cloned().expect("live role ARN");
    let role_name = role_arn.rsplit('/').next().unwrap_or(&role_arn).to_string();
    let boundary = aws
        .iam
        .create_policy()
        .policy_name("moat-test-logs-only")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("create boundary policy")
        .policy()
        .and_then(|p| p.arn().map(str::to_string))
        .expect("boundary arn");
    aws.iam
        .put_role_permissions_boundary()
        .role_name(&role_name)
        .permissions_boundary(&boundary)
        .send()
        .await
        .expect("put boundary");
    let (live, notes) = audit(aws, stack).await.expect("audit");
    let b = live.roles[0]
        .permissions_boundary
        .as_ref()
        .expect("boundary read");
    assert_eq!(b.arn.known(), Some(&boundary), "{notes:?}");
    assert!(b.document.is_known(), "boundary document read: {b:?}");
    let findings = moat_verify::check(&live, &moat_verify::Options::default());
    assert!(
        findings
            .iter()
            .any(|f| f.code == "MOAT121" && f.message.contains("ecr:")),
        "MOAT121 for the boundary: {findings:#?}"
    );
    aws.iam
        .delete_role_permissions_boundary()
        .role_name(&role_name)
        .send()
        .await
        .expect("delete boundary");

    let logs = model
        .endpoints
        .iter()
        .find(|e| e.service.known().is_some_and(|s| s.ends_with(".logs")))
        .expect("logs endpoint")
        .id
        .0
        .clone();
    let set_policy = |doc: serde_json::Value| {
        aws.ec2
            .modify_vpc_endpoint()
            .vpc_endpoint_id(&logs)
            .policy_document(doc.to_string())
            .send()
    };
    set_policy(
        serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:111122223333:*"}]}),
    )
    .await
    .expect("endpoint policy");
    let findings = check(aws, stack).await;
    assert!(
        findings
            .iter()
            .any(|f| f.code == "MOAT122" && f.prov.resource == logs),
        "MOAT122 on {logs}: {findings:#?}"
    );
    set_policy(
        serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "*", "Resource": "*"}]}),
    )
    .await
    .expect("restore endpoint policy");
    let findings = check(aws, stack).await;
    assert!(errors(&findings).is_empty(), "{:#?}", errors(&findings));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_audit_diff_destroy_against_moto() {
    let Some(moto) = moto_server::start() else {
        return;
    };
    // Only this test runs in this binary, so setting the process environment is race-free.
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", moto.url.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/moat-test-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/moat-test-credentials",
        ),
    ] {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_PROFILE");
    let mut aws = connect(&AwsOptions {
        endpoint_url: Some(moto.url.clone()),
        ..Default::default()
    })
    .await
    .expect("connect");
    aws.poll_interval = Duration::from_millis(100);

    // Deploy: a CREATE change set listing every resource as added, then CREATE_COMPLETE.
    assert_eq!(
        stack_status(&aws, STACK).await.expect("status"),
        StackState::Absent
    );
    let ChangeSetOutcome::Ready(cs) =
        create_change_set(&aws, STACK, TEMPLATE, &[], &["CAPABILITY_IAM".into()])
            .await
            .expect("change set")
    else {
        panic!("a new stack must have changes");
    };
    assert!(cs.creates_stack);
    assert!(cs.changes.iter().all(|c| c.action == ChangeAction::Add));
    assert!(cs
        .changes
        .iter()
        .any(|c| c.logical_id == "Vpc" && c.resource_type == "AWS::EC2::VPC"));
    let mut events = Vec::new();
    let outcome = execute_and_wait(&aws, &cs, |e| events.push(e.clone()))
        .await
        .expect("execute");
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.status, "CREATE_COMPLETE");
    // moto reports stack-level events only; the change set's REVIEW_IN_PROGRESS event predates
    // the execution and must not be streamed again.
    assert!(
        events.iter().any(|e| e.status == "CREATE_COMPLETE"),
        "events: {events:?}"
    );
    assert!(
        !events.iter().any(|e| e.status == "REVIEW_IN_PROGRESS"),
        "events: {events:?}"
    );

    // moto's CloudFormation keeps only the family, containers and memory of a task definition
    // and drops a service's launch type and network configuration, so the service is created
    // through the ECS API, in the stack's cluster and subnets (found by its subnets).
    create_service(&aws).await;
    // moto's CloudFormation ignores the VPC's EnableDnsSupport/EnableDnsHostnames properties;
    // set them as real CloudFormation would.
    let vpc_id = aws
        .cfn
        .list_stack_resources()
        .stack_name(STACK)
        .send()
        .await
        .expect("resources")
        .stack_resource_summaries()
        .iter()
        .find(|r| r.resource_type() == Some("AWS::EC2::VPC"))
        .and_then(|r| r.physical_resource_id().map(str::to_string))
        .expect("vpc");
    aws.ec2
        .modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .expect("dns hostnames");
    // moto records AWS::EC2::SubnetRouteTableAssociation apart from the route table, so
    // DescribeRouteTables does not show it; associate through the EC2 API instead.
    let res = aws
        .cfn
        .list_stack_resources()
        .stack_name(STACK)
        .send()
        .await
        .expect("resources");
    let of = |t: &str| -> Vec<String> {
        res.stack_resource_summaries()
            .iter()
            .filter(|r| r.resource_type() == Some(t))
            .filter_map(|r| r.physical_resource_id().map(str::to_string))
            .collect()
    };
    let rtb_id = of("AWS::EC2::RouteTable")
        .into_iter()
        .next()
        .expect("route table");
    let mut associations = Vec::new();
    for subnet in of("AWS::EC2::Subnet") {
        let out = aws
            .ec2
            .associate_route_table()
            .route_table_id(&rtb_id)
            .subnet_id(subnet)
            .send()
            .await
            .expect("associate");
        associations.extend(out.association_id().map(str::to_string));
    }

    // Audit the stack: the isolated design has no error finding.
    let stack = AuditTarget::Stack(STACK.into());
    let (model, notes) = audit(&aws, &stack).await.expect("audit");
    assert_eq!(model.vpcs.len(), 1, "{notes:?}");
    assert_eq!(model.subnets.len(), 2);
    assert_eq!(model.endpoints.len(), 4);
    assert!(
        model.route_tables.iter().any(|r| r.main),
        "the main route table is read"
    );
    assert_eq!(
        model.services.len(),
        1,
        "the ECS service in the VPC is found"
    );
    assert_eq!(model.task_definitions.len(), 1);
    assert_eq!(model.roles.len(), 1);
    assert!(model.roles[0].trust_has_source_conditions);
    // moto does not serve the DNS Firewall API: the read fails, and says so (unproved, never
    // "no firewall"). moto does serve query logging, which is read.
    let unread = model.resolver.unread.as_deref().unwrap_or_default();
    assert!(
        unread.contains("ListFirewallRuleGroupAssociations failed"),
        "{unread:?} {notes:?}"
    );
    assert!(model.resolver.associations.is_empty());
    assert!(
        notes
            .iter()
            .any(|n| n.contains("DNS Firewall verdicts are unproved")),
        "{notes:?}"
    );
    assert_eq!(model.resolver.query_logs_unread, None, "{notes:?}");
    let findings = moat_verify::check(&model, &moat_verify::Options::default());
    assert!(
        errors(&findings).is_empty(),
        "unexpected errors: {:#?}",
        errors(&findings)
    );

    // A permissions boundary and an endpoint policy added after deployment, through the IAM
    // and EC2 APIs: the audit reads both and judges the calls the tasks make against them.
    boundary_and_endpoint_policy(&aws, &stack, &model).await;

    // Second deploy with the same template: nothing to execute.
    let again = create_change_set(&aws, STACK, TEMPLATE, &[], &["CAPABILITY_IAM".into()])
        .await
        .expect("second change set");
    assert_eq!(again, ChangeSetOutcome::NoChanges);

    // Break isolation through the EC2 API: an internet gateway and a default route to it.
    let vpc = model.vpcs[0].id.0.clone();
    let rtb = model
        .route_tables
        .iter()
        .find(|r| !r.subnets.is_empty())
        .expect("the stack's route table")
        .id
        .0
        .clone();
    let igw = aws
        .ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("igw")
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id().map(str::to_string))
        .expect("igw id");
    aws.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("attach");
    aws.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .expect("route");
    let findings = check(&aws, &AuditTarget::Vpc(vpc.clone())).await;
    let moat001: Vec<_> = findings.iter().filter(|f| f.code == "MOAT001").collect();
    assert!(
        moat001.iter().any(|f| f.prov.resource == rtb),
        "MOAT001 on {rtb}: {findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.code == "MOAT005" && f.severity == Severity::Error),
        "{findings:#?}"
    );

    // Endpoint service open to everyone (moto's CloudFormation skips
    // AWS::EC2::VPCEndpointService, so it is made through the EC2 API).
    let subnets: Vec<String> = model.subnets.iter().map(|s| s.id.0.clone()).collect();
    let nlb = aws
        .elb
        .create_load_balancer()
        .name("moat-test-nlb")
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network)
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(subnets))
        .send()
        .await
        .expect("nlb")
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn().map(str::to_string))
        .expect("nlb arn");
    let svc = aws
        .ec2
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(&nlb)
        .acceptance_required(true)
        .send()
        .await
        .expect("endpoint service")
        .service_configuration()
        .and_then(|s| s.service_id().map(str::to_string))
        .expect("service id");
    aws.ec2
        .modify_vpc_endpoint_service_permissions()
        .service_id(&svc)
        .add_allowed_principals("*")
        .send()
        .await
        .expect("permissions");
    let (model2, _) = audit(&aws, &AuditTarget::Vpc(vpc.clone()))
        .await
        .expect("audit");
    assert!(model2.load_balancers.iter().any(|l| l.id.0 == nlb));
    let es = model2
        .endpoint_services
        .iter()
        .find(|s| s.id.0 == svc)
        .expect("service read");
    assert_eq!(
        es.allowed_principals[0].0.known().map(String::as_str),
        Some("*")
    );
    let findings = moat_verify::check(&model2, &moat_verify::Options::default());
    assert!(
        findings
            .iter()
            .any(|f| f.code == "MOAT201" && f.prov.resource == svc),
        "MOAT201 on {svc}: {findings:#?}"
    );

    // Undo the manual changes, then destroy: the stack is gone, the retained log group is kept.
    let cluster = model.clusters[0].id.0.clone();
    aws.ecs
        .delete_service()
        .cluster(&cluster)
        .service("app")
        .force(true)
        .send()
        .await
        .expect("del service");
    aws.ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&svc)
        .send()
        .await
        .expect("del svc");
    aws.elb
        .delete_load_balancer()
        .load_balancer_arn(&nlb)
        .send()
        .await
        .expect("del nlb");
    aws.ec2
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .expect("del route");
    aws.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("detach");
    aws.ec2
        .delete_internet_gateway()
        .internet_gateway_id(&igw)
        .send()
        .await
        .expect("del igw");
    for a in &associations {
        aws.ec2
            .disassociate_route_table()
            .association_id(a)
            .send()
            .await
            .expect("disassociate");
    }
    // moto's CloudFormation cannot delete an AWS::EC2::RouteTable (DeleteStack then fails with
    // DependencyViolation on the VPC); delete it through the EC2 API first.
    aws.ec2
        .delete_route_table()
        .route_table_id(&rtb)
        .send()
        .await
        .expect("del route table");
    let report = destroy(&aws, STACK, false, |_| {}).await.expect("destroy");
    assert!(report.outcome.success, "{report:?}");
    assert_eq!(report.outcome.status, "DELETE_COMPLETE");
    assert_eq!(
        stack_status(&aws, STACK).await.expect("status"),
        StackState::Absent
    );
    let mut groups: Vec<&String> = report
        .logs_kept
        .iter()
        .chain(report.logs_deleted.iter())
        .collect();
    groups.sort();
    assert_eq!(groups, vec!["/moat/test/app"], "{report:?}");
    assert!(matches!(
        destroy(&aws, STACK, false, |_| {}).await,
        Err(moat_aws::AwsError::NoStack(_))
    ));
}
