//! Worked examples for `docs/catalog.md`: small task definitions run through [`task_needs`], so
//! the reference shows what the code actually derives.

use crate::needs::{task_needs, Need, WorkloadContext};
use moat_model::{
    Container, Id, LaunchType, LogConfiguration, Maybe, Provenance, Secret, TaskDefinition,
};
use std::fmt::Write;

const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1";

fn known(s: &str) -> Maybe<String> {
    Maybe::Known(s.to_string())
}

fn container(name: &str, image: &str) -> Container {
    Container {
        name: known(name),
        image: known(image),
        essential: Maybe::Known(true),
        log: None,
        secrets: vec![],
        repository_credentials: None,
        environment_files: vec![],
        firelens: None,
        environment: vec![],
        prov: Provenance::default(),
    }
}

fn log(driver: &str, options: &[(&str, &str)]) -> LogConfiguration {
    LogConfiguration {
        driver: known(driver),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), known(v)))
            .collect(),
        secret_options: vec![],
        prov: Provenance::default(),
    }
}

fn secret(name: &str, value_from: &str) -> Secret {
    Secret {
        name: known(name),
        value_from: known(value_from),
        prov: Provenance::default(),
    }
}

fn td(containers: Vec<Container>) -> TaskDefinition {
    TaskDefinition {
        id: Id::from("sample"),
        family: known("sample"),
        requires_compatibilities: vec![known("FARGATE")],
        network_mode: known("awsvpc"),
        execution_role: Some(known("arn:aws:iam::123456789012:role/exec")),
        task_role: None,
        containers,
        containers_unknown: None,
        prov: Provenance::default(),
    }
}

fn fargate() -> WorkloadContext {
    WorkloadContext {
        launch_type: LaunchType::Fargate,
        execute_command: false,
        region: "us-east-1".into(),
    }
}

/// (title, input summary, task definition, context).
fn samples() -> Vec<(&'static str, String, TaskDefinition, WorkloadContext)> {
    let mut out = Vec::new();
    let mut k = container("app", ECR);
    k.log = Some(log(
        "awslogs",
        &[
            ("awslogs-group", "/ecs/app"),
            ("awslogs-create-group", "true"),
        ],
    ));
    out.push((
        "Private ECR image, awslogs with awslogs-create-group",
        format!("`image: {ECR}`, awslogs to `/ecs/app`, `awslogs-create-group: \"true\"`"),
        td(vec![k]),
        fargate(),
    ));
    for (title, img) in [
        (
            "FIPS ECR host",
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app:1",
        ),
        (
            "Dual-stack ECR host",
            "123456789012.dkr-ecr.us-east-1.on.aws/app:1",
        ),
    ] {
        out.push((
            title,
            format!("`image: {img}`"),
            td(vec![container("app", img)]),
            fargate(),
        ));
    }
    out.push((
        "Bare Docker Hub name",
        "`image: nginx`".into(),
        td(vec![container("web", "nginx")]),
        fargate(),
    ));
    let other = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1";
    out.push((
        "ECR image in another region",
        format!("`image: {other}` (tasks in us-east-1)"),
        td(vec![container("app", other)]),
        fargate(),
    ));
    let mut k = container("app", ECR);
    k.secrets.push(secret(
        "DB_PASSWORD",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::",
    ));
    k.secrets.push(secret("API_KEY", "/prod/api-key"));
    out.push((
        "Secrets: Secrets Manager with a JSON key, SSM by name",
        "`secrets`: `…:secret:db-AbCdEf:password::` and `/prod/api-key`".into(),
        td(vec![k]),
        fargate(),
    ));
    let mut k = container("app", "registry.corp.example/app:1");
    k.repository_credentials = Some(known(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:regcreds-AbC123",
    ));
    out.push((
        "Private registry authentication",
        "`repositoryCredentials.credentialsParameter` on an image from `registry.corp.example`"
            .into(),
        td(vec![k]),
        fargate(),
    ));
    let mut k = container("app", ECR);
    k.environment_files.push((
        known("arn:aws:s3:::my-config/prod/app.env"),
        Provenance::default(),
    ));
    out.push((
        "Environment files",
        "`environmentFiles: [{type: s3, value: arn:aws:s3:::my-config/prod/app.env}]`".into(),
        td(vec![k]),
        fargate(),
    ));
    let mut k = container("app", ECR);
    k.log = Some(log(
        "awsfirelens",
        &[
            ("Name", "kinesis_firehose"),
            ("delivery_stream", "app-logs"),
            ("region", "us-east-1"),
        ],
    ));
    out.push((
        "FireLens output",
        "`logDriver: awsfirelens`, `Name: kinesis_firehose`, `delivery_stream: app-logs`".into(),
        td(vec![k]),
        fargate(),
    ));
    let xray = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xray/aws-xray-daemon:3";
    out.push((
        "X-Ray daemon sidecar",
        format!("a container with `image: {xray}`"),
        td(vec![container("xray-daemon", xray)]),
        fargate(),
    ));
    out.push((
        "ECS Exec",
        "the service sets `enableExecuteCommand` (on a private ECR image)".into(),
        td(vec![container("app", ECR)]),
        WorkloadContext {
            execute_command: true,
            ..fargate()
        },
    ));
    out.push((
        "EC2 capacity",
        "the service runs on EC2 container instances (private ECR image)".into(),
        td(vec![container("app", ECR)]),
        WorkloadContext {
            launch_type: LaunchType::Ec2,
            ..fargate()
        },
    ));
    out
}

/// The "Worked examples" section.
pub fn render() -> String {
    let mut s = String::from("\n## Worked examples\n\nEach example is run through `task_needs` when this page is generated (tasks in us-east-1, execution role in account 123456789012).\n");
    for (title, input, td, ctx) in samples() {
        let _ = write!(s, "\n### {title}\n\n{input}\n\n");
        let mut lines: Vec<String> = Vec::new();
        for r in task_needs(&td, &ctx).requirements {
            let line = match r.need {
                Need::Endpoint(e) => format!("endpoint `{e}`"),
                Need::S3Object { resource } => format!("S3 gateway policy admits `{resource}`"),
                Need::ExecutionRole { action, resource } => {
                    format!("execution role: `{action}` on `{resource}`")
                }
                Need::TaskRole { action, resource } => {
                    format!("task role: `{action}` on `{resource}`")
                }
                Need::InstanceRole { action, resource } => {
                    format!("container instance role: `{action}` on `{resource}`")
                }
            };
            let line = format!("- {line} ([source]({}))", r.reason.source);
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        for p in task_needs(&td, &ctx).problems {
            let first_help = p.help.lines().next().unwrap_or_default().to_string();
            lines.push(format!(
                "- problem {:?}: {} — {first_help}",
                p.kind, p.message
            ));
        }
        s.push_str(&lines.join("\n"));
        s.push('\n');
    }
    s
}
