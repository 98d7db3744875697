//! Hand-built specs for tests (independent of `moat_spec::load`).
#![allow(dead_code)]

use moat_model::{
    Container, LaunchType, LogConfiguration, Maybe, Provenance, Secret, TaskDefinition,
};
use moat_spec::{Autoscaling, Ingress, ServiceSpec, Spec};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn str_of(v: &Value, k: &str) -> Maybe<String> {
    match v.get(k).and_then(Value::as_str) {
        Some(x) => Maybe::Known(x.to_string()),
        None => Maybe::unknown(format!("{k} missing")),
    }
}

/// The model view of a task definition file: only what the catalog reads.
pub fn model_td(path: &PathBuf) -> TaskDefinition {
    let text = std::fs::read_to_string(path).unwrap();
    let j: Value = serde_json::from_str(&text).unwrap();
    let file = path.display().to_string();
    let prov = Provenance::at("task-definition", &file, 1, 1);
    let secrets = |list: Option<&Value>| -> Vec<Secret> {
        list.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|s| Secret {
                        name: str_of(s, "name"),
                        value_from: str_of(s, "valueFrom"),
                        prov: prov.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = j["containerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Container {
            name: str_of(c, "name"),
            image: str_of(c, "image"),
            essential: Maybe::Known(true),
            log: c.get("logConfiguration").map(|l| LogConfiguration {
                driver: str_of(l, "logDriver"),
                options: l
                    .get("options")
                    .and_then(Value::as_object)
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    Maybe::Known(v.as_str().unwrap_or_default().to_string()),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_else(BTreeMap::new),
                secret_options: secrets(l.get("secretOptions")),
                prov: prov.clone(),
            }),
            secrets: secrets(c.get("secrets")),
            repository_credentials: None,
            environment_files: c
                .get("environmentFiles")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|f| (str_of(f, "value"), prov.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            firelens: None,
            environment: vec![],
            prov: prov.clone(),
        })
        .collect();
    TaskDefinition {
        id: "task-definition".into(),
        family: str_of(&j, "family"),
        requires_compatibilities: vec![],
        network_mode: str_of(&j, "networkMode"),
        execution_role: j
            .get("executionRoleArn")
            .map(|_| str_of(&j, "executionRoleArn")),
        task_role: j.get("taskRoleArn").map(|_| str_of(&j, "taskRoleArn")),
        containers,
        containers_unknown: None,
        prov,
    }
}

pub fn service(name: &str, fixture_name: &str) -> ServiceSpec {
    let path = fixture(fixture_name);
    ServiceSpec {
        name: name.into(),
        task_definition: model_td(&path),
        task_definition_path: path,
        desired_count: 2,
        autoscaling: None,
        capacity: LaunchType::Fargate,
        execute_command: false,
        ingress: None,
        extra_endpoints: vec![],
        s3_read_buckets: vec![],
        prov: Provenance::at("service", "moat.toml", 10, 1),
    }
}

pub fn spec(name: &str, region: &str, services: Vec<ServiceSpec>) -> Spec {
    Spec {
        path: PathBuf::from("moat.toml"),
        name: name.into(),
        region: region.into(),
        account_id: Some("123456789012".into()),
        vpc_cidr: "10.0.0.0/16".parse().unwrap(),
        az_count: 2,
        flow_logs: true,
        log_retention_days: 30,
        ecr_repositories: vec![],
        services,
        egress: None,
        mirrors: vec![],
        pull_through: vec![],
        prov: Provenance::at("spec", "moat.toml", 1, 1),
    }
}

/// Seed 001's shape: one Fargate service, private ECR image, awslogs.
pub fn isolated() -> Spec {
    let mut s = spec(
        "isolated",
        "us-east-1",
        vec![service("app", "isolated.json")],
    );
    s.ecr_repositories = vec!["fixture-app".into()];
    s
}

/// Everything at once: secrets (Secrets Manager + SSM), an env file, ECS Exec, autoscaling, a
/// TLS ingress published as an endpoint service, a read bucket, an extra endpoint, 3 AZs.
pub const FULL_KMS_KEY: &str =
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Options for [`full`]: its service's secrets are encrypted with [`FULL_KMS_KEY`].
pub fn full_options() -> moat_synth::PlanOptions {
    let mut o = moat_synth::PlanOptions::default();
    o.kms_key_arns
        .insert("orders-api".into(), vec![FULL_KMS_KEY.into()]);
    o
}

pub fn full() -> Spec {
    let mut svc = service("orders-api", "full.json");
    svc.execute_command = true;
    svc.autoscaling = Some(Autoscaling {
        min: 2,
        max: 6,
        cpu_target: 60,
    });
    svc.ingress = Some(Ingress {
        port: 443,
        container: "api".into(),
        container_port: 8443,
        certificate_arn: Some(
            "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000001"
                .into(),
        ),
        tls: moat_spec::TlsMode::Reencrypt,
        allowed_principals: vec!["arn:aws:iam::210987654321:root".into()],
        acceptance_required: true,
    });
    svc.extra_endpoints = vec!["sqs".into()];
    svc.s3_read_buckets = vec!["orders-reference-data".into()];
    let mut s = spec("orders", "eu-west-1", vec![svc]);
    s.az_count = 3;
    s.vpc_cidr = "10.20.0.0/16".parse().unwrap();
    s.log_retention_days = 90;
    s.ecr_repositories = vec!["orders/api".into()];
    s
}

/// `moat_synth::plan_with` with the options each hand-built spec needs.
pub fn plan(spec: &Spec) -> Result<moat_synth::Plan, moat_synth::PlanError> {
    let opts = if spec.name == "orders" {
        full_options()
    } else {
        moat_synth::PlanOptions::default()
    };
    moat_synth::plan_with(spec, &opts)
}

/// Every synthesized template the external linters judge: the two hand-built specs and every
/// example under `examples/`, each as YAML and as JSON, written into `dir`. Returns the files.
pub fn write_all_templates(dir: &std::path::Path) -> Vec<PathBuf> {
    use moat_synth::{plan_with, synth, PlanOptions, TemplateFormat};
    let mut specs = vec![
        ("isolated".to_string(), isolated(), PlanOptions::default()),
        ("full".to_string(), full(), full_options()),
    ];
    for example in examples() {
        let (spec, extras) = moat_spec::load_with_extras(&example)
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        specs.push((
            example.file_name().unwrap().to_string_lossy().into_owned(),
            spec,
            PlanOptions::from_extras(&extras),
        ));
    }
    let mut files = Vec::new();
    for (name, spec, opts) in &specs {
        let p = plan_with(spec, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (fmt, ext) in [
            (TemplateFormat::Yaml, "yaml"),
            (TemplateFormat::Json, "json"),
        ] {
            let file = dir.join(format!("{name}.{ext}"));
            std::fs::write(&file, synth(&p, fmt)).unwrap();
            files.push(file);
        }
    }
    files
}

/// The example folders (each with a `moat.toml`), sorted.
pub fn examples() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("moat.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// An external tool from the environment variable `var` or, failing that, `PATH`.
pub fn tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
