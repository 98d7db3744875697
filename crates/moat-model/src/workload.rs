//! ECS and IAM: clusters, task definitions, services, roles and log groups.

use crate::{Id, Maybe, Provenance};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub id: Id,
    pub container_insights: Maybe<bool>,
    pub prov: Provenance,
}

/// An ECS task definition, with only what moat reasons about. Sources: the
/// `register-task-definition` JSON shape (camelCase), `AWS::ECS::TaskDefinition` (PascalCase),
/// and `DescribeTaskDefinition`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDefinition {
    pub id: Id,
    pub family: Maybe<String>,
    /// `requiresCompatibilities` (`FARGATE`, `EC2`, `EXTERNAL`).
    pub requires_compatibilities: Vec<Maybe<String>>,
    pub network_mode: Maybe<String>,
    /// Execution role: an ARN, a role name, or a model role id.
    pub execution_role: Option<Maybe<String>>,
    pub task_role: Option<Maybe<String>>,
    pub containers: Vec<Container>,
    /// Why the container definitions are unknown (`ContainerDefinitions` is a value moat
    /// cannot resolve, such as an import): `containers` is then empty and says nothing.
    /// `None` when the list is known, even empty (a template that leaves it out).
    pub containers_unknown: Option<String>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    pub name: Maybe<String>,
    pub image: Maybe<String>,
    pub essential: Maybe<bool>,
    pub log: Option<LogConfiguration>,
    pub secrets: Vec<Secret>,
    /// `repositoryCredentials.credentialsParameter`: a Secrets Manager secret ARN.
    pub repository_credentials: Option<Maybe<String>>,
    /// `environmentFiles[].value`: S3 object ARNs.
    pub environment_files: Vec<(Maybe<String>, Provenance)>,
    /// `firelensConfiguration.type` (`fluentbit` / `fluentd`).
    pub firelens: Option<Maybe<String>>,
    pub environment: Vec<(String, Maybe<String>)>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogConfiguration {
    pub driver: Maybe<String>,
    pub options: BTreeMap<String, Maybe<String>>,
    /// `secretOptions[].valueFrom`.
    pub secret_options: Vec<Secret>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Secret {
    pub name: Maybe<String>,
    /// A Secrets Manager ARN (`arn:…:secretsmanager:…`) or an SSM parameter ARN or name.
    pub value_from: Maybe<String>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LaunchType {
    Fargate,
    Ec2,
    External,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub id: Id,
    pub name: Maybe<String>,
    pub cluster: Maybe<Id>,
    pub task_definition: Maybe<Id>,
    /// `LaunchType`, or what the capacity provider strategy implies (`FARGATE`/`FARGATE_SPOT`
    /// are Fargate; any other provider is EC2).
    pub launch_type: Maybe<LaunchType>,
    pub subnets: Vec<Maybe<Id>>,
    pub security_groups: Vec<Maybe<Id>>,
    /// `AssignPublicIp` (`ENABLED` = true). Default `DISABLED`.
    pub assign_public_ip: Maybe<bool>,
    pub enable_execute_command: Maybe<bool>,
    pub desired_count: Maybe<u32>,
    pub target_groups: Vec<Maybe<Id>>,
    /// Tagged `moat:egress-gateway` = `true`: the egress gateway, the one service whose subnets
    /// may route to an internet gateway (see [`crate::Model::egress_subnets`]). The tag is a claim;
    /// the rules still require those subnets to hold nothing else and the gateway to admit no
    /// one from outside the VPC.
    pub egress_gateway: bool,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: Id,
    /// The role name or ARN when known (live, or `RoleName`).
    pub arn: Maybe<String>,
    pub managed_policy_arns: Vec<Maybe<String>>,
    /// Inline policy statements (and those of `AWS::IAM::Policy` resources attached to it).
    pub statements: Vec<Statement>,
    /// Services allowed to assume it (`ecs-tasks.amazonaws.com`, …).
    pub trusted_services: Vec<String>,
    /// The trust policy carries `aws:SourceAccount` / `aws:SourceArn` conditions (the
    /// confused-deputy guard).
    pub trust_has_source_conditions: bool,
    /// Every identity policy with its whole statements (inline `Policies`, `AWS::IAM::Policy`,
    /// customer managed policies of the template, or the live documents). AWS managed policies
    /// stay in `managed_policy_arns`; the catalog carries the documents moat knows.
    pub policies: Vec<crate::PolicyDocument>,
    /// `PermissionsBoundary`.
    pub permissions_boundary: Option<crate::PermissionsBoundary>,
    /// The trust policy (`AssumeRolePolicyDocument`), when known.
    pub trust: Option<Maybe<crate::PolicyDocument>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub allow: bool,
    pub actions: Vec<Maybe<String>>,
    pub resources: Vec<Maybe<String>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogGroup {
    pub id: Id,
    pub name: Maybe<String>,
    pub retention_days: Option<Maybe<u32>>,
    pub prov: Provenance,
}
