//! Feature → needs: what a task definition requires from the network and from IAM.

use moat_model::{LaunchType, Provenance, TaskDefinition};

/// The context a task runs in, beyond its task definition.
#[derive(Debug, Clone)]
pub struct WorkloadContext {
    pub launch_type: LaunchType,
    /// The service sets `enableExecuteCommand` (ECS Exec).
    pub execute_command: bool,
    /// Region the tasks run in (`us-east-1`); S3 layer bucket names depend on it.
    pub region: String,
}

/// One thing the workload needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Need {
    /// A VPC endpoint for this service (short name, e.g. `ecr.dkr`; kind from `services`).
    Endpoint(&'static str),
    /// The S3 gateway endpoint policy (and the task's route to it) must admit `s3:GetObject` on
    /// this resource ARN, e.g. `arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*`.
    S3Object { resource: String },
    /// The task execution role must allow `action` on `resource`.
    ExecutionRole { action: &'static str, resource: String },
    /// The task role must allow `action` on `resource` (e.g. ECS Exec's `ssmmessages:*`).
    TaskRole { action: &'static str, resource: String },
}

/// Why something is needed: which container and field, with the documentation that says so.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub container: Option<String>,
    /// Task definition field, in register-task-definition spelling (`image`,
    /// `logConfiguration.options.awslogs-create-group`, `secrets[0].valueFrom`, …).
    pub field: String,
    /// One line a person reads ("pulls 123….dkr.ecr.us-east-1.amazonaws.com/app from private ECR").
    pub detail: String,
    /// AWS documentation page for the fact.
    pub source: &'static str,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Requirement {
    pub need: Need,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ProblemKind {
    /// The image is on a public registry: an isolated VPC cannot pull it.
    PublicImage,
    /// The image is in another account's or another region's ECR, or another private registry.
    ForeignRegistry,
    /// A value that decides a need is unknown (an unresolved parameter).
    Unknown,
}

/// Something in the task definition that cannot work in an isolated VPC as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub container: Option<String>,
    pub message: String,
    pub help: String,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TaskNeeds {
    pub requirements: Vec<Requirement>,
    pub problems: Vec<Problem>,
}

/// Everything `td` needs when run in `ctx`.
pub fn task_needs(td: &TaskDefinition, ctx: &WorkloadContext) -> TaskNeeds {
    let _ = (td, ctx);
    unimplemented!("catalog: task_needs")
}
