//! The `moat.toml` shape as serde reads it, with spans for the values moat validates.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpec {
    pub name: Spanned<String>,
    pub region: Spanned<String>,
    pub account_id: Option<Spanned<String>>,
    pub vpc_cidr: Option<Spanned<String>>,
    pub az_count: Option<Spanned<i64>>,
    pub flow_logs: Option<Spanned<bool>>,
    pub log_retention_days: Option<Spanned<i64>>,
    #[serde(default)]
    pub ecr_repositories: Vec<Spanned<String>>,
    #[serde(default)]
    pub service: Vec<Spanned<RawService>>,
    pub egress: Option<Spanned<RawEgress>>,
    pub dns: Option<crate::dns::RawDns>,
    pub images: Option<Spanned<crate::mirror::RawImages>>,
    pub vpc: Option<Spanned<crate::vpc::RawVpc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub name: Spanned<String>,
    pub task_definition: Spanned<String>,
    pub desired_count: Option<Spanned<i64>>,
    pub autoscaling: Option<Spanned<RawAutoscaling>>,
    pub capacity: Option<Spanned<String>>,
    pub execute_command: Option<Spanned<bool>>,
    pub ingress: Option<Spanned<RawIngress>>,
    #[serde(default)]
    pub extra_endpoints: Vec<Spanned<String>>,
    #[serde(default)]
    pub s3_read_buckets: Vec<Spanned<String>>,
    #[serde(default)]
    pub kms_key_arns: Vec<Spanned<String>>,
    pub mirror: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAutoscaling {
    pub min: Spanned<i64>,
    pub max: Spanned<i64>,
    pub cpu_target: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIngress {
    pub port: Spanned<i64>,
    pub container: Option<Spanned<String>>,
    pub container_port: Option<Spanned<i64>>,
    pub certificate_arn: Option<Spanned<String>>,
    pub tls: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed_principals: Vec<Spanned<String>>,
    pub acceptance_required: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEgress {
    pub mode: Option<Spanned<String>>,
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
    pub image: Option<Spanned<String>>,
}
