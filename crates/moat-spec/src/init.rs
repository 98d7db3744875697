//! `moat init`: a commented `moat.toml` for an existing task definition, so the first spec is
//! one command away from the file a team already registers.
//!
//! Everything the task definition says is used (family → names, ECR image → region and
//! account, `requiresCompatibilities` → capacity, the first port mapping → a commented ingress);
//! everything it cannot say is written as a commented default with what it means. The result
//! loads and plans as it is.

use crate::taskdef::parse_task_definition;
use crate::SpecError;
use moat_catalog::{classify_image, ImageRef};
use moat_model::Maybe;
use std::fmt::Write;
use std::path::Path;

/// What the task definition does not say.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// The region, when the images and log options do not name one.
    pub region: Option<String>,
    /// The environment name (default: from the family).
    pub name: Option<String>,
}

/// What the task definition tells about its environment.
struct Found {
    family: String,
    region: Option<String>,
    account: Option<String>,
    repositories: Vec<String>,
    capacity: &'static str,
    first_port: Option<(String, u16)>,
    other_images: Vec<String>,
}

/// `text` is the task definition (either JSON shape moat reads), `file_name` how the spec
/// refers to it (relative to the `moat.toml`). Returns the `moat.toml` text.
pub fn init_spec(
    text: &str,
    task_definition: &Path,
    file_name: &str,
    opts: &InitOptions,
) -> Result<String, SpecError> {
    let path = task_definition.display().to_string();
    let (td, extras) =
        parse_task_definition(text, &path, "app").map_err(|e| SpecError::Invalid {
            path: task_definition.to_path_buf(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
    let mut found = Found {
        family: td.family.known().cloned().unwrap_or_else(|| "app".into()),
        region: None,
        account: None,
        repositories: Vec::new(),
        capacity: "fargate",
        first_port: extras.ports.first().map(|(c, p, ..)| (c.clone(), *p)),
        other_images: Vec::new(),
    };
    let compat: Vec<&str> = td
        .requires_compatibilities
        .iter()
        .filter_map(|c| c.known().map(String::as_str))
        .collect();
    if !compat.is_empty() && !compat.contains(&"FARGATE") && compat.contains(&"EC2") {
        found.capacity = "ec2";
    }
    for (_, image, ..) in &extras.images {
        match classify_image(image) {
            ImageRef::PrivateEcr {
                account,
                region,
                repository,
                ..
            } => {
                found.region.get_or_insert(region);
                found.account.get_or_insert(account);
                if !found.repositories.contains(&repository) {
                    found.repositories.push(repository);
                }
            }
            _ => found.other_images.push(image.clone()),
        }
    }
    let log_region = td.containers.iter().find_map(|c| {
        let log = c.log.as_ref()?;
        match log
            .options
            .get("awslogs-region")
            .or_else(|| log.options.get("region"))
        {
            Some(Maybe::Known(r)) => Some(r.clone()),
            _ => None,
        }
    });
    if found.region.is_none() {
        found.region = log_region;
    }
    if found.account.is_none() {
        found.account = [&td.execution_role, &td.task_role]
            .into_iter()
            .flatten()
            .filter_map(|r| r.known())
            .find_map(|arn| {
                arn.split(':')
                    .nth(4)
                    .filter(|a| a.len() == 12)
                    .map(str::to_string)
            });
    }
    Ok(render(&found, file_name, opts))
}

/// `Some-Family_Name` → `some-family-name`, cut to `max` characters, starting with a letter.
fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "app-");
    }
    out.truncate(max);
    out.trim_end_matches('-').to_string()
}

fn render(f: &Found, file_name: &str, opts: &InitOptions) -> String {
    let name = opts.name.clone().unwrap_or_else(|| slug(&f.family, 20));
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# moat.toml for the task definition {file_name} (written by `moat init`)."
    );
    let _ = writeln!(
        o,
        "# Every key is in docs/spec.md. Next: `moat plan .` shows what this environment needs and"
    );
    let _ = writeln!(
        o,
        "# what it costs; `moat synth . --out build` writes its CloudFormation template."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "# Environment name: prefixes resource names and the stack name."
    );
    let _ = writeln!(o, "name = {}", quoted(&name));
    let (region, how) = match (&opts.region, &f.region) {
        (Some(r), _) => (r.clone(), "given with --region"),
        (None, Some(r)) => (
            r.clone(),
            "from the task definition's ECR image or log options",
        ),
        (None, None) => (
            "us-east-1".to_string(),
            "the task definition names none: CHECK IT",
        ),
    };
    let _ = writeln!(o, "# Region ({how}).");
    let _ = writeln!(o, "region = {}", quoted(&region));
    match &f.account {
        Some(a) => {
            let _ = writeln!(
                o,
                "# Account (from the task definition): narrows IAM grants to it."
            );
            let _ = writeln!(o, "account_id = {}", quoted(a));
        }
        None => {
            let _ = writeln!(o, "# Account id: narrows IAM grants to it.");
            let _ = writeln!(o, "# account_id = \"123456789012\"");
        }
    }
    let _ = writeln!(
        o,
        "# The VPC: /16 to /24, cut into 16 equal blocks; one isolated subnet per AZ."
    );
    let _ = writeln!(o, "vpc_cidr = \"10.0.0.0/16\"");
    let _ = writeln!(o, "az_count = 2");
    let _ = writeln!(
        o,
        "# Log groups moat creates keep their records this many days."
    );
    let _ = writeln!(o, "log_retention_days = 30");
    if !f.repositories.is_empty() {
        let repos: Vec<String> = f.repositories.iter().map(|r| quoted(r)).collect();
        let _ = writeln!(
            o,
            "# ECR repositories the stack should create (leave commented if they exist already:"
        );
        let _ = writeln!(
            o,
            "# CloudFormation cannot create a repository that is there)."
        );
        let _ = writeln!(o, "# ecr_repositories = [{}]", repos.join(", "));
    }
    for image in &f.other_images {
        let _ = writeln!(
            o,
            "# NOTE: {image} is not in this account's private ECR; an isolated VPC cannot pull it."
        );
        let _ = writeln!(o, "# `moat plan` says how to copy it into ECR.");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "[[service]]");
    let _ = writeln!(o, "name = {}", quoted(&slug(&f.family, 24)));
    let _ = writeln!(o, "task_definition = {}", quoted(file_name));
    let _ = writeln!(o, "desired_count = 1");
    let _ = writeln!(
        o,
        "# \"fargate\", or \"ec2\" for EC2 container instances (adds the ECS endpoints)."
    );
    let _ = writeln!(o, "capacity = \"{}\"", f.capacity);
    let _ = writeln!(
        o,
        "# ECS Exec (`aws ecs execute-command`): adds the ssmmessages endpoint."
    );
    let _ = writeln!(o, "execute_command = false");
    let _ = writeln!(o, "# More AWS services the application calls, by short name (docs/catalog.md): \"sqs\", \"dynamodb\", ...");
    let _ = writeln!(o, "extra_endpoints = []");
    let _ = writeln!(
        o,
        "# Buckets the tasks read through the S3 gateway endpoint."
    );
    let _ = writeln!(o, "s3_read_buckets = []");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "# Scale on CPU between min and max tasks (plan checks the subnets hold max):"
    );
    let _ = writeln!(o, "# [service.autoscaling]");
    let _ = writeln!(o, "# min = 1");
    let _ = writeln!(o, "# max = 4");
    let _ = writeln!(o, "# cpu_target = 60");
    if let Some((container, port)) = &f.first_port {
        let _ = writeln!(o);
        let _ = writeln!(o, "# Private ingress: an internal NLB published as a VPC endpoint service to the accounts");
        let _ = writeln!(o, "# you name (TLS when certificate_arn is set).");
        let _ = writeln!(o, "# [service.ingress]");
        let _ = writeln!(o, "# port = 443");
        let _ = writeln!(o, "# container = {}", quoted(container));
        let _ = writeln!(o, "# container_port = {port}");
        let _ = writeln!(
            o,
            "# allowed_principals = [\"arn:aws:iam::210987654321:root\"]"
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "# Outside hosts the workload must reach go through the egress gateway, which lets out only");
    let _ = writeln!(
        o,
        "# the names listed (start with mode = \"discover\" to see what it calls):"
    );
    let _ = writeln!(o, "# [egress]");
    let _ = writeln!(o, "# mode = \"discover\"");
    let _ = writeln!(o, "# allow = [\"api.example.com\"]");
    o
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_region_account_and_capacity_come_from_the_task_definition() {
        let td = r#"{"family": "Sample_Fargate-Task", "networkMode": "awsvpc",
          "requiresCompatibilities": ["EC2"],
          "containerDefinitions": [{"name": "web",
            "image": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/web:3",
            "portMappings": [{"containerPort": 8080}]}]}"#;
        let t = init_spec(td, Path::new("td.json"), "td.json", &InitOptions::default()).unwrap();
        for line in [
            "name = \"sample-fargate-task\"",
            "region = \"eu-west-1\"",
            "account_id = \"210987654321\"",
            "capacity = \"ec2\"",
            "# ecr_repositories = [\"team/web\"]",
            "# container_port = 8080",
            "task_definition = \"td.json\"",
        ] {
            assert!(t.lines().any(|l| l == line), "missing {line:?} in\n{t}");
        }
        assert_eq!(slug("9lives", 20), "app-9lives");
    }
}
