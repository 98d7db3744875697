//! One test per catalog rule.

use super::*;
use moat_model::{Container, Id, LogConfiguration};
use std::collections::BTreeMap;

const ECR_IMG: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecr-repo/app-image:latest";

fn container(name: &str, image: &str) -> Container {
    Container {
        name: Maybe::Known(name.into()),
        image: Maybe::Known(image.into()),
        essential: Maybe::Known(true),
        log: None,
        secrets: vec![],
        repository_credentials: None,
        environment_files: vec![],
        firelens: None,
        environment: vec![],
        prov: Provenance::at(name, "td.json", 3, 7),
    }
}

fn td(containers: Vec<Container>) -> TaskDefinition {
    TaskDefinition {
        id: Id::from("td"),
        family: Maybe::Known("fam".into()),
        requires_compatibilities: vec![Maybe::Known("FARGATE".into())],
        network_mode: Maybe::Known("awsvpc".into()),
        execution_role: Some(Maybe::Known("arn:aws:iam::123456789012:role/exec".into())),
        task_role: None,
        containers,
        containers_unknown: None,
        prov: Provenance::at("td", "td.json", 1, 1),
    }
}

fn fargate() -> WorkloadContext {
    WorkloadContext {
        launch_type: LaunchType::Fargate,
        execute_command: false,
        region: "us-east-1".into(),
    }
}

fn endpoints(n: &TaskNeeds) -> Vec<&'static str> {
    let mut v: Vec<_> = n
        .requirements
        .iter()
        .filter_map(|r| match r.need {
            Need::Endpoint(e) => Some(e),
            _ => None,
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn exec_grants(n: &TaskNeeds) -> Vec<(&'static str, String)> {
    n.requirements
        .iter()
        .filter_map(|r| match &r.need {
            Need::ExecutionRole { action, resource } => Some((*action, resource.clone())),
            _ => None,
        })
        .collect()
}

fn task_grants(n: &TaskNeeds) -> Vec<(&'static str, String)> {
    n.requirements
        .iter()
        .filter_map(|r| match &r.need {
            Need::TaskRole { action, resource } => Some((*action, resource.clone())),
            _ => None,
        })
        .collect()
}

fn awslogs(opts: &[(&str, &str)]) -> LogConfiguration {
    LogConfiguration {
        driver: Maybe::Known("awslogs".into()),
        options: opts
            .iter()
            .map(|(k, v)| (k.to_string(), Maybe::Known(v.to_string())))
            .collect(),
        secret_options: vec![],
        prov: Provenance::at("app", "td.json", 20, 11),
    }
}

fn secret(value_from: &str) -> Secret {
    Secret {
        name: Maybe::Known("DB_PASSWORD".into()),
        value_from: Maybe::Known(value_from.into()),
        prov: Provenance::at("app", "td.json", 12, 9),
    }
}

#[test]
fn private_ecr_image() {
    let n = task_needs(&td(vec![container("app", ECR_IMG)]), &fargate());
    assert!(n.problems.is_empty());
    assert_eq!(endpoints(&n), ["ecr.api", "ecr.dkr", "s3"]);
    assert!(n.requirements.iter().any(|r| r.need
        == Need::S3Object {
            resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*".into()
        }));
    let repo = "arn:aws:ecr:us-east-1:123456789012:repository/my-ecr-repo/app-image".to_string();
    assert_eq!(
        exec_grants(&n),
        [
            ("ecr:GetAuthorizationToken", "*".to_string()),
            ("ecr:BatchCheckLayerAvailability", repo.clone()),
            ("ecr:GetDownloadUrlForLayer", repo.clone()),
            ("ecr:BatchGetImage", repo),
        ]
    );
    let r = &n.requirements[0];
    assert_eq!(r.reason.container.as_deref(), Some("app"));
    assert_eq!(r.reason.field, "image");
    assert_eq!(r.reason.source, src::ECR_VPC_ENDPOINTS);
    assert_eq!(r.reason.prov.line, Some(3));
}

#[test]
fn image_provenance_points_at_the_image_field() {
    let mut k = container("app", ECR_IMG);
    k.prov.set_field("image", 5, 20);
    let n = task_needs(&td(vec![k]), &fargate());
    assert_eq!(
        (
            n.requirements[0].reason.prov.line,
            n.requirements[0].reason.prov.column
        ),
        (Some(5), Some(20))
    );
}

#[test]
fn fips_and_dual_stack_ecr_images() {
    for img in [
        "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app:1",
        "123456789012.dkr-ecr.us-east-1.on.aws/app:1",
        "123456789012.dkr-ecr-fips.us-east-1.on.aws/app:1",
    ] {
        let n = task_needs(&td(vec![container("app", img)]), &fargate());
        assert!(n.problems.is_empty(), "{img}");
        assert_eq!(endpoints(&n), ["ecr.api", "ecr.dkr", "s3"], "{img}");
        assert!(exec_grants(&n).contains(&(
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/app".to_string()
        )));
    }
}

#[test]
fn ecr_image_in_another_region_is_foreign() {
    let img = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1";
    let n = task_needs(&td(vec![container("app", img)]), &fargate());
    assert_eq!(n.problems.len(), 1);
    assert_eq!(n.problems[0].kind, ProblemKind::ForeignRegistry);
    assert!(n.problems[0].message.contains("eu-west-1"));
    assert!(n.problems[0].help.contains("replicat"));
    assert!(n.requirements.is_empty());
}

#[test]
fn bare_docker_hub_name_is_public() {
    let n = task_needs(&td(vec![container("web", "nginx")]), &fargate());
    assert_eq!(n.problems.len(), 1);
    let p = &n.problems[0];
    assert_eq!(p.kind, ProblemKind::PublicImage);
    assert!(
        p.message.contains("docker.io") && p.message.contains("cannot pull"),
        "{}",
        p.message
    );
    assert!(p.help.contains("docker pull nginx"), "{}", p.help);
    assert!(
        p.help
            .contains("docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:latest"),
        "{}",
        p.help
    );
    assert!(p
        .help
        .contains("crane copy nginx 123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:latest"));
    assert_eq!(p.container.as_deref(), Some("web"));
}

#[test]
fn public_ecr_gallery_is_public() {
    let img = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable";
    let n = task_needs(&td(vec![container("log_router", img)]), &fargate());
    assert_eq!(n.problems[0].kind, ProblemKind::PublicImage);
    assert!(n.problems[0]
        .help
        .contains("/aws-observability/aws-for-fluent-bit:stable"));
}

#[test]
fn other_registry_is_foreign() {
    let n = task_needs(
        &td(vec![container("app", "registry.corp.example/app:1")]),
        &fargate(),
    );
    assert_eq!(n.problems[0].kind, ProblemKind::ForeignRegistry);
}

#[test]
fn unknown_image_is_reported() {
    let mut k = container("app", "x");
    k.image = Maybe::unknown("parameter ImageUri has no default");
    let n = task_needs(&td(vec![k]), &fargate());
    assert_eq!(n.problems[0].kind, ProblemKind::Unknown);
    assert!(n.problems[0].message.contains("ImageUri"));
    assert!(n.problems[0].message.contains("registry"));
}

#[test]
fn awslogs_driver() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(awslogs(&[
        ("awslogs-group", "/ecs/app"),
        ("awslogs-region", "us-east-1"),
    ]));
    let n = task_needs(&td(vec![k]), &fargate());
    assert_eq!(endpoints(&n), ["ecr.api", "ecr.dkr", "logs", "s3"]);
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*".to_string();
    let g = exec_grants(&n);
    assert!(g.contains(&("logs:CreateLogStream", arn.clone())));
    assert!(g.contains(&("logs:PutLogEvents", arn)));
    assert!(!g.iter().any(|(a, _)| *a == "logs:CreateLogGroup"));
    let r = n
        .requirements
        .iter()
        .find(|r| r.need == Need::Endpoint("logs"))
        .unwrap();
    assert_eq!(r.reason.field, "logConfiguration");
    assert_eq!(r.reason.prov.line, Some(20));
}

#[test]
fn awslogs_without_a_known_account_uses_star() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(awslogs(&[("awslogs-group", "/ecs/app")]));
    let mut t = td(vec![k]);
    t.execution_role = Some(Maybe::Known("ecsTaskExecutionRole".into()));
    let n = task_needs(&t, &fargate());
    assert!(exec_grants(&n).contains(&(
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*".into()
    )));
}

#[test]
fn awslogs_create_group() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(awslogs(&[
        ("awslogs-group", "/ecs/sample-fargate-task"),
        ("awslogs-create-group", "true"),
    ]));
    let n = task_needs(&td(vec![k]), &fargate());
    let r = n
        .requirements
        .iter()
        .find(|r| {
            matches!(
                r.need,
                Need::ExecutionRole {
                    action: "logs:CreateLogGroup",
                    ..
                }
            )
        })
        .expect("CreateLogGroup");
    assert_eq!(
        r.reason.field,
        "logConfiguration.options.awslogs-create-group"
    );
    assert!(r.reason.detail.contains("AmazonECSTaskExecutionRolePolicy"));
    assert_eq!(r.reason.source, src::AWSLOGS);
}

#[test]
fn secrets_manager_arn_with_json_key_suffix() {
    let mut k = container("app", ECR_IMG);
    k.secrets.push(secret(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT:",
    ));
    let n = task_needs(&td(vec![k]), &fargate());
    assert!(endpoints(&n).contains(&"secretsmanager"));
    assert!(exec_grants(&n).contains(&(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf".into()
    )));
    let r = n
        .requirements
        .iter()
        .find(|r| r.need == Need::Endpoint("secretsmanager"))
        .unwrap();
    assert_eq!(r.reason.field, "secrets[0].valueFrom");
    assert_eq!(r.reason.prov.line, Some(12));
    assert!(!endpoints(&n).contains(&"kms"));
}

#[test]
fn ssm_parameter_arn_and_bare_name() {
    let mut k = container("app", ECR_IMG);
    k.secrets.push(secret(
        "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
    ));
    k.secrets.push(secret("db-password"));
    k.secrets.push(secret("/prod/api-key"));
    let n = task_needs(&td(vec![k]), &fargate());
    assert!(endpoints(&n).contains(&"ssm"));
    let g = exec_grants(&n);
    for arn in [
        "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
        "arn:aws:ssm:us-east-1:123456789012:parameter/db-password",
        "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-key",
    ] {
        assert!(g.contains(&("ssm:GetParameters", arn.into())), "{arn}");
    }
}

#[test]
fn unknown_secret_is_reported() {
    let mut k = container("app", ECR_IMG);
    k.secrets.push(Secret {
        value_from: Maybe::unknown("parameter DbSecret"),
        ..secret("x")
    });
    let n = task_needs(&td(vec![k]), &fargate());
    assert_eq!(n.problems.len(), 1);
    assert_eq!(n.problems[0].kind, ProblemKind::Unknown);
    assert!(n.problems[0].message.contains("secrets[0].valueFrom"));
}

#[test]
fn log_secret_options() {
    let mut k = container("app", ECR_IMG);
    let mut log = awslogs(&[]);
    log.driver = Maybe::Known("splunk".into());
    log.secret_options.push(secret(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:splunk-token-XyZ123",
    ));
    k.log = Some(log);
    let n = task_needs(&td(vec![k]), &fargate());
    let r = n
        .requirements
        .iter()
        .find(|r| r.need == Need::Endpoint("secretsmanager"))
        .unwrap();
    assert_eq!(
        r.reason.field,
        "logConfiguration.secretOptions[0].valueFrom"
    );
    assert!(!endpoints(&n).contains(&"logs"));
}

#[test]
fn repository_credentials() {
    let mut k = container("app", "registry.corp.example/app:1");
    k.repository_credentials = Some(Maybe::Known(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:regcreds-AbC123".into(),
    ));
    let n = task_needs(&td(vec![k]), &fargate());
    assert_eq!(endpoints(&n), ["secretsmanager"]);
    assert!(exec_grants(&n).contains(&(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:regcreds-AbC123".into()
    )));
    assert_eq!(n.requirements[0].reason.source, src::PRIVATE_REGISTRY_AUTH);
}

#[test]
fn ecs_exec() {
    let ctx = WorkloadContext {
        execute_command: true,
        ..fargate()
    };
    let n = task_needs(&td(vec![container("app", ECR_IMG)]), &ctx);
    assert!(endpoints(&n).contains(&"ssmmessages"));
    let g: Vec<_> = task_grants(&n).into_iter().map(|(a, _)| a).collect();
    assert_eq!(g, ECS_EXEC_ACTIONS);
}

#[test]
fn ec2_capacity() {
    let ctx = WorkloadContext {
        launch_type: LaunchType::Ec2,
        ..fargate()
    };
    let n = task_needs(&td(vec![container("app", ECR_IMG)]), &ctx);
    assert_eq!(
        endpoints(&n),
        [
            "ecr.api",
            "ecr.dkr",
            "ecs",
            "ecs-agent",
            "ecs-telemetry",
            "s3"
        ]
    );
    let fargate_n = task_needs(&td(vec![container("app", ECR_IMG)]), &fargate());
    assert!(!endpoints(&fargate_n).contains(&"ecs"));
}

/// On EC2 the container instance role pulls ECR images and ships awslogs output; the task
/// execution role is needed for that only on Fargate and external instances (issue 10 item 7:
/// no false MOAT110 on EC2). Secrets stay with the execution role on both.
#[test]
fn ec2_agent_calls_use_the_instance_role() {
    let ctx = WorkloadContext {
        launch_type: LaunchType::Ec2,
        ..fargate()
    };
    let mut k = container("app", ECR_IMG);
    k.log = Some(LogConfiguration {
        driver: Maybe::Known("awslogs".into()),
        options: BTreeMap::from([("awslogs-group".to_string(), Maybe::Known("/ecs/app".into()))]),
        secret_options: vec![],
        prov: Provenance::at("app", "td.json", 9, 7),
    });
    k.secrets.push(Secret {
        name: Maybe::Known("DB".into()),
        value_from: Maybe::Known(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf".into(),
        ),
        prov: Provenance::at("app", "td.json", 12, 7),
    });
    let n = task_needs(&td(vec![k.clone()]), &ctx);
    let exec: Vec<_> = exec_grants(&n).into_iter().map(|(a, _)| a).collect();
    assert_eq!(exec, ["secretsmanager:GetSecretValue"], "{exec:?}");
    let instance: Vec<&str> = n
        .requirements
        .iter()
        .filter_map(|r| match &r.need {
            Need::InstanceRole { action, .. } => Some(*action),
            _ => None,
        })
        .collect();
    for a in [
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "logs:PutLogEvents",
    ] {
        assert!(
            instance.contains(&a),
            "{a} not on the instance role: {instance:?}"
        );
    }
    let on_fargate = task_needs(&td(vec![k]), &fargate());
    assert!(exec_grants(&on_fargate)
        .iter()
        .any(|(a, _)| *a == "ecr:BatchGetImage"));
    assert!(!on_fargate
        .requirements
        .iter()
        .any(|r| matches!(r.need, Need::InstanceRole { .. })));
}

/// Unknown values that decide the endpoints are marked so; an unknown awslogs region is one
/// (it was taken for the tasks' region before).
#[test]
fn unknowns_that_decide_needs_are_marked() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(LogConfiguration {
        driver: Maybe::Known("awslogs".into()),
        options: BTreeMap::from([
            (
                "awslogs-group".to_string(),
                Maybe::unknown("parameter LogGroup"),
            ),
            (
                "awslogs-region".to_string(),
                Maybe::unknown("Fn::ImportValue LogRegion"),
            ),
        ]),
        secret_options: vec![],
        prov: Provenance::at("app", "td.json", 9, 7),
    });
    let n = task_needs(&td(vec![k]), &fargate());
    let open: Vec<_> = n
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unknown)
        .map(|p| (p.message.contains("awslogs-region"), p.leaves_needs_open))
        .collect();
    assert!(open.contains(&(true, true)), "{:#?}", n.problems);
    assert!(open.contains(&(false, false)), "{:#?}", n.problems);
    let mut img = container("app", ECR_IMG);
    img.image = Maybe::unknown("Fn::ImportValue Image");
    let n = task_needs(&td(vec![img]), &fargate());
    assert!(n.problems.iter().all(|p| p.leaves_needs_open));
}

#[test]
fn environment_files() {
    let mut k = container("app", ECR_IMG);
    k.environment_files.push((
        Maybe::Known("arn:aws:s3:::my-config/prod/app.env".into()),
        Provenance::at("app", "td.json", 30, 5),
    ));
    let n = task_needs(&td(vec![k]), &fargate());
    assert!(n.requirements.iter().any(|r| r.need
        == Need::S3Object {
            resource: "arn:aws:s3:::my-config/prod/app.env".into()
        }
        && r.reason.field == "environmentFiles[0].value"
        && r.reason.prov.line == Some(30)));
    let g = exec_grants(&n);
    assert!(g.contains(&("s3:GetObject", "arn:aws:s3:::my-config/prod/app.env".into())));
    assert!(g.contains(&("s3:GetBucketLocation", "arn:aws:s3:::my-config".into())));
}

fn firelens_log(name: &str, extra: &[(&str, &str)]) -> LogConfiguration {
    let mut options: BTreeMap<String, Maybe<String>> = BTreeMap::new();
    options.insert("Name".into(), Maybe::Known(name.into()));
    for (k, v) in extra {
        options.insert(k.to_string(), Maybe::Known(v.to_string()));
    }
    LogConfiguration {
        driver: Maybe::Known("awsfirelens".into()),
        options,
        secret_options: vec![],
        prov: Provenance::default(),
    }
}

#[test]
fn firelens_outputs() {
    for (name, endpoint) in [
        ("cloudwatch", "logs"),
        ("cloudwatch_logs", "logs"),
        ("kinesis_firehose", "kinesis-firehose"),
        ("kinesis_streams", "kinesis-streams"),
        ("s3", "s3"),
    ] {
        let mut k = container("app", "registry.corp.example/app:1");
        k.log = Some(firelens_log(name, &[]));
        let n = task_needs(&td(vec![k]), &fargate());
        assert_eq!(endpoints(&n), [endpoint], "{name}");
        assert!(!task_grants(&n).is_empty(), "{name}");
    }
    let mut k = container("app", ECR_IMG);
    k.log = Some(firelens_log(
        "cloudwatch_logs",
        &[("log_group_name", "/fl/app"), ("auto_create_group", "true")],
    ));
    let n = task_needs(&td(vec![k]), &fargate());
    let g = task_grants(&n);
    assert!(g.contains(&(
        "logs:CreateLogGroup",
        "arn:aws:logs:us-east-1:123456789012:log-group:/fl/app:*".into()
    )));
    // An output with no AWS endpoint (e.g. `datadog`) needs nothing from the catalog.
    let mut k = container("app", ECR_IMG);
    k.log = Some(firelens_log("datadog", &[]));
    assert_eq!(
        endpoints(&task_needs(&td(vec![k]), &fargate())),
        ["ecr.api", "ecr.dkr", "s3"]
    );
}

#[test]
fn xray_daemon() {
    let k = container(
        "tracer",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/xray/aws-xray-daemon:3",
    );
    let n = task_needs(&td(vec![k]), &fargate());
    assert!(endpoints(&n).contains(&"xray"));
    let k = container("xray-daemon", ECR_IMG);
    let n = task_needs(&td(vec![k]), &fargate());
    assert!(endpoints(&n).contains(&"xray"));
    assert!(task_grants(&n)
        .iter()
        .any(|(a, _)| *a == "xray:PutTraceSegments"));
    // Issue 13 bug 6: the daemon also reads the sampling rules and targets.
    for action in [
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ] {
        assert!(
            task_grants(&n)
                .iter()
                .any(|(a, r)| *a == action && r == "*"),
            "{action}"
        );
    }
}

#[test]
fn customer_managed_key() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let r = customer_key_needs(key, &Provenance::at("svc", "moat.toml", 9, 1));
    assert_eq!(r[0].need, Need::Endpoint("kms"));
    assert_eq!(
        r[1].need,
        Need::ExecutionRole {
            action: "kms:Decrypt",
            resource: key.into()
        }
    );
    assert_eq!(r[1].reason.prov.line, Some(9));
}

#[test]
fn output_order_is_deterministic() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(awslogs(&[("awslogs-group", "/ecs/app")]));
    k.secrets.push(secret("db"));
    let t = td(vec![k.clone(), container("side", ECR_IMG)]);
    let a = task_needs(&t, &fargate());
    let b = task_needs(&t, &fargate());
    assert_eq!(a, b);
    // Containers in order: everything of `app` comes before `side`.
    let first_side = a
        .requirements
        .iter()
        .position(|r| r.reason.container.as_deref() == Some("side"))
        .unwrap();
    assert!(a.requirements[..first_side]
        .iter()
        .all(|r| r.reason.container.as_deref() == Some("app")));
}

#[test]
fn secret_arn_strips_suffix() {
    assert_eq!(
        secret_arn("arn:aws:secretsmanager:us-east-1:1:secret:n-AbC"),
        "arn:aws:secretsmanager:us-east-1:1:secret:n-AbC"
    );
    assert_eq!(
        secret_arn("arn:aws:secretsmanager:us-east-1:1:secret:n-AbC:k::"),
        "arn:aws:secretsmanager:us-east-1:1:secret:n-AbC"
    );
}

#[test]
fn services_in_another_region_are_cross_region() {
    let mut k = container("app", ECR_IMG);
    k.log = Some(awslogs(&[
        ("awslogs-group", "/ecs/app"),
        ("awslogs-region", "us-west-2"),
    ]));
    k.secrets.push(secret(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    ));
    k.secrets
        .push(secret("arn:aws:ssm:us-east-1:123456789012:parameter/ok"));
    let n = task_needs(&td(vec![k]), &fargate());
    let kinds: Vec<_> = n
        .problems
        .iter()
        .map(|p| (p.kind, p.message.clone()))
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.iter().all(|(k, _)| *k == ProblemKind::CrossRegion));
    assert!(
        kinds[0].1.contains("secrets[0].valueFrom") && kinds[0].1.contains("eu-west-1"),
        "{kinds:?}"
    );
    assert!(
        kinds[1].1.contains("awslogs-region") && kinds[1].1.contains("us-west-2"),
        "{kinds:?}"
    );
}

/// With the tasks' region unknown, an ECR image of a named region is neither a foreign
/// registry (an error) nor certainly local: its needs are derived and marked open.
#[test]
fn ecr_image_with_unknown_task_region_leaves_needs_open() {
    let ctx = WorkloadContext {
        region: moat_model::UNKNOWN_REGION.into(),
        ..fargate()
    };
    let n = task_needs(&td(vec![container("app", ECR_IMG)]), &ctx);
    assert!(
        !n.problems
            .iter()
            .any(|p| p.kind == ProblemKind::ForeignRegistry),
        "{n:#?}"
    );
    assert!(n.problems.iter().any(|p| p.leaves_needs_open), "{n:#?}");
    assert!(endpoints(&n).contains(&"ecr.dkr"));
}

#[test]
fn secret_arn_with_the_unknown_region() {
    let r = moat_model::UNKNOWN_REGION;
    assert_eq!(
        secret_arn(&format!("arn:aws:secretsmanager:{r}:1:secret:n-AbC:k::")),
        format!("arn:aws:secretsmanager:{r}:1:secret:n-AbC")
    );
}

/// No container list, or one moat cannot read: the needs stay open, never "nothing needed".
#[test]
fn missing_or_unknown_container_definitions_leave_needs_open() {
    let empty = task_needs(&td(vec![]), &fargate());
    assert!(empty.requirements.is_empty());
    let [p] = empty.problems.as_slice() else {
        panic!("{empty:#?}")
    };
    assert!(
        p.leaves_needs_open && p.kind == ProblemKind::Unknown,
        "{p:#?}"
    );
    assert!(p.message.contains("has no container definitions"), "{p:#?}");

    let unknown = TaskDefinition {
        containers_unknown: Some("Fn::ImportValue shared-containers".into()),
        ..td(vec![])
    };
    let n = task_needs(&unknown, &fargate());
    let [p] = n.problems.as_slice() else {
        panic!("{n:#?}")
    };
    assert!(p.leaves_needs_open, "{p:#?}");
    assert!(p.message.contains("shared-containers"), "{p:#?}");
}
