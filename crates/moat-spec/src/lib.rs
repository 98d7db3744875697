//! `moat.toml` (+ ordinary ECS task definition JSON files) → [`Spec`], the desired environment.
//!
//! The file format is documented in `docs/spec.md`. Every error names the file and the line and
//! column of the offending value (a task definition problem points into the JSON file), and says
//! what was expected. Loading also runs the catalog checks that make a spec unusable in an
//! isolated VPC (an image on a public registry, an image in another region's ECR).
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("td.json"), r#"{"family": "app", "networkMode": "awsvpc",
//!   "requiresCompatibilities": ["FARGATE"],
//!   "containerDefinitions": [{"name": "app",
//!     "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}]}"#).unwrap();
//! std::fs::write(dir.path().join("moat.toml"), r#"
//! name = "demo"
//! region = "us-east-1"
//! [[service]]
//! name = "app"
//! task_definition = "td.json"
//! "#).unwrap();
//! let spec = moat_spec::load(dir.path()).unwrap();
//! assert_eq!(spec.az_count, 2);
//! assert_eq!(spec.services[0].task_definition.containers.len(), 1);
//!
//! std::fs::write(dir.path().join("moat.toml"), "name = \"demo\"\nregion = \"us-east-1\"\naz_count = 9\n").unwrap();
//! let err = moat_spec::load(dir.path()).unwrap_err().to_string();
//! assert!(err.ends_with("moat.toml:3:12: az_count must be between 1 and 6, got 9"), "{err}");
//! ```

mod dns;
pub mod init;
mod json;
mod keys;
mod load;
mod mirror;
pub mod pull_through;
mod raw;
mod suggest;
pub mod taskdef;
pub mod validate;
mod vpc;

pub use dns::DnsSettings;
pub use mirror::{mirror_target, ImageMirror};
pub use vpc::ExistingVpcSpec;

use ipnet::Ipv4Net;
use moat_model::{LaunchType, Provenance, TaskDefinition};
use std::path::{Path, PathBuf};

/// A loaded, validated `moat.toml`.
#[derive(Debug, Clone)]
pub struct Spec {
    pub path: PathBuf,
    /// Environment name; prefixes resource names and the default stack name.
    pub name: String,
    pub region: String,
    /// Account id when given (ECR image URIs are checked against it).
    pub account_id: Option<String>,
    /// Default 10.0.0.0/16.
    pub vpc_cidr: Ipv4Net,
    /// Default 2.
    pub az_count: u8,
    /// VPC flow logs to CloudWatch Logs; default on.
    pub flow_logs: bool,
    /// Log group retention in days (a value CloudWatch accepts); default 30.
    pub log_retention_days: u32,
    /// Create the private ECR repositories the services' images live in.
    pub ecr_repositories: Vec<String>,
    pub services: Vec<ServiceSpec>,
    /// The `[egress]` section (egress gateway), when present.
    pub egress: Option<EgressSpec>,
    /// Public images replaced by their private ECR copies (`mirror = true`); the services'
    /// task definitions already name the copies.
    pub mirrors: Vec<ImageMirror>,
    /// `[images] pull_through`: the upstream registries an ECR pull-through cache rule is
    /// made for (images from them are among `mirrors`, marked `pull_through`).
    pub pull_through: Vec<pull_through::Upstream>,
    pub prov: Provenance,
}

#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub task_definition_path: PathBuf,
    /// Parsed from `task_definition_path` (the `register-task-definition --cli-input-json` shape).
    pub task_definition: TaskDefinition,
    pub desired_count: u32,
    pub autoscaling: Option<Autoscaling>,
    /// Fargate (default) or EC2.
    pub capacity: LaunchType,
    pub execute_command: bool,
    pub ingress: Option<Ingress>,
    /// Extra interface endpoints by short name (`sqs`, `dynamodb`, …).
    pub extra_endpoints: Vec<String>,
    /// S3 buckets the tasks may read through the gateway endpoint.
    pub s3_read_buckets: Vec<String>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscaling {
    pub min: u32,
    pub max: u32,
    /// Target average CPU utilisation, percent.
    pub cpu_target: u32,
}

/// Where a private ingress's TLS ends. Sources:
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html>,
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TCP listener and TCP targets: TLS passes through the NLB untouched and the task
    /// terminates it (no certificate on the NLB).
    Passthrough,
    /// TLS listener with the ACM certificate; plain TCP to the task.
    Terminate,
    /// TLS listener with the ACM certificate, and a TLS target group: the NLB opens a new TLS
    /// connection to the task, so traffic is encrypted end to end.
    Reencrypt,
}

impl TlsMode {
    /// The `tls` value in `moat.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Passthrough => "passthrough",
            TlsMode::Terminate => "terminate",
            TlsMode::Reencrypt => "reencrypt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    /// NLB listener port.
    pub port: u16,
    /// Container and port the target group forwards to (default: first container with a port
    /// mapping, its first containerPort).
    pub container: String,
    pub container_port: u16,
    /// ACM certificate ARN: when given the listener is TLS, else TCP.
    pub certificate_arn: Option<String>,
    /// Where TLS ends (`tls`; default `terminate` with a certificate, else `passthrough`).
    pub tls: TlsMode,
    /// Principals allowed to create endpoints to the endpoint service (account root ARNs, …).
    pub allowed_principals: Vec<String>,
    /// Default true.
    pub acceptance_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressSpec {
    /// `discover` or `enforce`.
    pub mode: String,
    /// Allowed hosts (the gateway's allowlist lines).
    pub allow: Vec<String>,
    pub image: Option<String>,
}

/// A spec error, always with the file and, when known, the line and column.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
    /// Every problem found in one run (two or more), in file order.
    #[error("{} errors in the spec:\n{}", .0.len(), .0.iter().map(|e| format!("  {}", e.to_string().replace('\n', "\n  "))).collect::<Vec<_>>().join("\n"))]
    Multiple(Vec<SpecError>),
}

impl SpecError {
    /// One error as itself, several as [`SpecError::Multiple`].
    pub(crate) fn from_many(mut errors: Vec<SpecError>) -> SpecError {
        // File order: the spec's problems by position, then each task definition's.
        errors.sort_by_key(|e| match e {
            SpecError::Invalid {
                path, line, column, ..
            } => (path.clone(), *line, *column),
            SpecError::Io { path, .. } => (path.clone(), 0, 0),
            SpecError::Multiple(_) => (PathBuf::new(), 0, 0),
        });
        if errors.len() == 1 {
            if let Some(e) = errors.pop() {
                return e;
            }
        }
        SpecError::Multiple(errors)
    }

    /// The single errors (one for `Invalid` and `Io`).
    pub fn errors(&self) -> Vec<&SpecError> {
        match self {
            SpecError::Multiple(list) => list.iter().collect(),
            other => vec![other],
        }
    }
}

/// Settings that are not (yet) fields of [`Spec`] / [`ServiceSpec`], kept apart so that code
/// building those structs literally keeps compiling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecExtras {
    /// Per service name: the customer managed KMS keys (`kms_key_arns`) that encrypt its secrets
    /// or parameters. Each needs the `kms` endpoint (loading adds `kms` to the service's
    /// `extra_endpoints`) and `kms:Decrypt` for the execution role
    /// (`moat_catalog::customer_key_needs`).
    pub kms_key_arns: std::collections::BTreeMap<String, Vec<String>>,
    /// `[dns]`: the DNS Firewall `moat synth` adds.
    pub dns: DnsSettings,
    /// `[vpc]`: the existing VPC the environment goes into (`None`: moat creates one).
    pub vpc: Option<ExistingVpcSpec>,
}

/// Load and validate a spec: `path` is a `moat.toml` or a directory holding one.
pub fn load(path: &Path) -> Result<Spec, SpecError> {
    load::load(path).map(|(spec, _)| spec)
}

/// [`load`], plus the settings kept in [`SpecExtras`].
pub fn load_with_extras(path: &Path) -> Result<(Spec, SpecExtras), SpecError> {
    load::load(path)
}

/// Load a spec from text; task definition paths resolve against `path`'s directory.
pub fn load_str(path: &Path, text: &str) -> Result<Spec, SpecError> {
    load::load_str(path, text).map(|(spec, _)| spec)
}

#[cfg(test)]
mod tests;
