//! Who makes each call a task needs, from which network interface, through which endpoint, and
//! which policies it must pass. `moat check` turns every [`crate::Need`] that is a permission
//! into a request with this context and evaluates every policy on its path.
//!
//! ```
//! use moat_catalog::{call_for, Caller, Interface, Need};
//! use moat_model::LaunchType;
//! let need = Need::ExecutionRole { action: "ecr:GetAuthorizationToken", resource: "*".into() };
//! let call = call_for(&need, LaunchType::Fargate).unwrap();
//! assert_eq!(call.caller, Caller::EcsAgent);
//! assert_eq!(call.interface, Interface::FargateOwned);
//! assert!(!call.interface.carries_vpc_keys());
//! ```

use crate::needs::Need;
use crate::sources as src;
use moat_model::LaunchType;

/// Who signs the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Caller {
    /// The ECS (Fargate) agent, with the task execution role's credentials.
    EcsAgent,
    /// The application in the container, with the task role's credentials.
    Application,
    /// A URL ECR presigned (image layers): the request is not signed with the task's roles, so
    /// only `Principal: "*"` statements of the S3 endpoint policy admit it.
    EcrPresignedUrl,
}

impl Caller {
    pub fn describe(self) -> &'static str {
        match self {
            Caller::EcsAgent => "the ECS agent, with the task execution role",
            Caller::Application => "the application, with the task role",
            Caller::EcrPresignedUrl => {
                "the ECS agent, following a URL ECR presigned (no task role)"
            }
        }
    }
}

/// The network interface the request leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Interface {
    /// The task's own ENI in the task subnets: the call crosses the VPC's endpoint and carries
    /// `aws:SourceVpc` and `aws:SourceVpce`.
    Task,
    /// A network interface AWS Fargate owns: the call does not cross the VPC's endpoint and
    /// carries no `aws:SourceVpc`/`aws:SourceVpce`.
    FargateOwned,
    /// The EC2 container instance's interface (EC2 launch type): the call crosses the VPC's
    /// endpoint.
    ContainerInstance,
    /// Made by another AWS service on the caller's behalf (Secrets Manager or Systems Manager
    /// calling KMS to decrypt): carries `kms:ViaService`, no `aws:SourceVpc`/`aws:SourceVpce`,
    /// and crosses no endpoint of the VPC.
    /// Source: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    ViaService,
}

impl Interface {
    /// Whether the request carries `aws:SourceVpc`/`aws:SourceVpce` (it crosses an endpoint of
    /// the task's VPC). Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcevpce
    pub fn carries_vpc_keys(self) -> bool {
        !matches!(self, Interface::FargateOwned | Interface::ViaService)
    }
    pub fn describe(self) -> &'static str {
        match self {
            Interface::Task => "the task's ENI (crosses the VPC endpoint)",
            Interface::FargateOwned => "AWS Fargate's own ENI (no aws:SourceVpc/aws:SourceVpce)",
            Interface::ContainerInstance => {
                "the container instance's ENI (crosses the VPC endpoint)"
            }
            Interface::ViaService => "none: Secrets Manager or Systems Manager calls on the role's behalf (kms:ViaService; no aws:SourceVpc/aws:SourceVpce)",
        }
    }
}

/// A policy a call must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PolicyLayer {
    /// The role's identity policies (inline, customer managed, AWS managed).
    Identity,
    /// The role's permissions boundary, when it has one.
    Boundary,
    /// The policy of the VPC endpoint the call crosses.
    Endpoint,
    /// The secret's resource policy.
    SecretPolicy,
    /// The KMS key policy of a customer managed key.
    KeyPolicy,
    /// The bucket policy (of a bucket in the template).
    BucketPolicy,
}

/// What one kind of call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CallKind {
    /// Action or action prefix this row covers (`ecr:GetAuthorizationToken`, `logs:`).
    pub action: &'static str,
    pub caller: Caller,
    /// On Fargate; on EC2 capacity the agent's calls leave from the container instance.
    pub fargate_interface: Interface,
    /// The endpoint (short name) the call crosses.
    pub endpoint: &'static str,
    /// The resource, as an ARN pattern.
    pub resource: &'static str,
    pub policies: &'static [PolicyLayer],
    pub source: &'static str,
}

use Caller::*;
use Interface::*;
use PolicyLayer::*;

/// Every call kind, most specific action first.
pub const CALLS: &[CallKind] = &[
    CallKind {
        action: "ecr:GetAuthorizationToken",
        caller: EcsAgent,
        fargate_interface: FargateOwned,
        endpoint: "ecr.api",
        resource: "*",
        policies: &[Identity, Boundary, Endpoint],
        source: src::FARGATE_ECR_CONDITION_KEYS,
    },
    CallKind {
        action: "ecr:",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "ecr.dkr",
        resource: "arn:aws:ecr:<region>:<account>:repository/<name>",
        policies: &[Identity, Boundary, Endpoint],
        source: src::FARGATE_ECR_CONDITION_KEYS,
    },
    CallKind {
        action: "s3:GetObject (ECR layer)",
        caller: EcrPresignedUrl,
        fargate_interface: Task,
        endpoint: "s3",
        resource: "arn:aws:s3:::prod-<region>-starport-layer-bucket/*",
        policies: &[Endpoint],
        source: src::ECR_VPC_ENDPOINTS,
    },
    CallKind {
        action: "s3:",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "s3",
        resource: "arn:aws:s3:::<bucket>/<key>",
        policies: &[Identity, Boundary, Endpoint, BucketPolicy],
        source: src::ENVIRONMENT_FILES,
    },
    CallKind {
        action: "logs:",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "logs",
        resource: "arn:aws:logs:<region>:<account>:log-group:<group>:*",
        policies: &[Identity, Boundary, Endpoint],
        source: src::AWSLOGS,
    },
    CallKind {
        action: "secretsmanager:",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "secretsmanager",
        resource: "arn:aws:secretsmanager:<region>:<account>:secret:<name>-??????",
        policies: &[Identity, Boundary, Endpoint, SecretPolicy],
        source: src::SECRETS_MANAGER_SECRETS,
    },
    CallKind {
        action: "ssm:",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "ssm",
        resource: "arn:aws:ssm:<region>:<account>:parameter/<name>",
        policies: &[Identity, Boundary, Endpoint],
        source: src::SSM_PARAMETERS,
    },
    CallKind {
        action: "kms:",
        caller: EcsAgent,
        fargate_interface: ViaService,
        endpoint: "kms",
        resource: "arn:aws:kms:<region>:<account>:key/<id>",
        policies: &[Identity, Boundary, Endpoint, KeyPolicy],
        source: src::SECRETS_MANAGER_KMS,
    },
    CallKind {
        action: "ssmmessages:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "ssmmessages",
        resource: "*",
        policies: &[Identity, Boundary, Endpoint],
        source: src::ECS_EXEC,
    },
    CallKind {
        action: "xray:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "xray",
        resource: "*",
        policies: &[Identity, Boundary, Endpoint],
        source: src::XRAY_DAEMON_ECS,
    },
    CallKind {
        action: "firehose:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "kinesis-firehose",
        resource: "arn:aws:firehose:<region>:<account>:deliverystream/<name>",
        policies: &[Identity, Boundary, Endpoint],
        source: src::FIRELENS,
    },
    CallKind {
        action: "kinesis:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "kinesis-streams",
        resource: "arn:aws:kinesis:<region>:<account>:stream/<name>",
        policies: &[Identity, Boundary, Endpoint],
        source: src::FIRELENS,
    },
    CallKind {
        action: "logs:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "logs",
        resource: "arn:aws:logs:<region>:<account>:log-group:<group>:*",
        policies: &[Identity, Boundary, Endpoint],
        source: src::FIRELENS,
    },
    CallKind {
        action: "s3:",
        caller: Application,
        fargate_interface: Task,
        endpoint: "s3",
        resource: "arn:aws:s3:::<bucket>/*",
        policies: &[Identity, Boundary, Endpoint, BucketPolicy],
        source: src::FIRELENS,
    },
    // Any other action: judged on the role's policies; the endpoint it crosses is not modelled
    // (a condition on aws:SourceVpce then leaves it unproved).
    CallKind {
        action: "*",
        caller: EcsAgent,
        fargate_interface: Task,
        endpoint: "(not modelled)",
        resource: "(as the need names it)",
        policies: &[Identity, Boundary],
        source: src::TASK_EXECUTION_ROLE,
    },
    CallKind {
        action: "*",
        caller: Application,
        fargate_interface: Task,
        endpoint: "(not modelled)",
        resource: "(as the need names it)",
        policies: &[Identity, Boundary],
        source: src::TASK_ROLE,
    },
];

/// One concrete call: its kind and the interface it leaves from under `launch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub kind: &'static CallKind,
    pub caller: Caller,
    pub interface: Interface,
    pub endpoint: &'static str,
}

fn kind_for(action: &str, caller: Caller) -> Option<&'static CallKind> {
    let lower = action.to_ascii_lowercase();
    CALLS.iter().find(|k| {
        k.caller == caller
            && if k.action == "*" {
                true
            } else if k.action.ends_with(':') {
                lower.starts_with(&k.action.to_ascii_lowercase())
            } else {
                lower == k.action.to_ascii_lowercase()
            }
    })
}

/// The call a permission need stands for (`None` for needs that are not calls: endpoints).
pub fn call_for(need: &Need, launch: LaunchType) -> Option<Call> {
    let (kind, caller) = match need {
        Need::ExecutionRole { action, .. } => (kind_for(action, EcsAgent)?, EcsAgent),
        Need::TaskRole { action, .. } => (kind_for(action, Application)?, Application),
        Need::S3Object { resource } if resource.contains("-starport-layer-bucket/") => {
            (&CALLS[2], EcrPresignedUrl)
        }
        Need::S3Object { .. } => (&CALLS[3], EcsAgent),
        Need::Endpoint(_) => return None,
        // The container instance role of EC2 capacity is not named by the task definition;
        // its needs are judged where the launch type is (not by this call model).
        Need::InstanceRole { .. } => return None,
    };
    let interface = match (caller, launch) {
        (_, _) if kind.fargate_interface == ViaService => ViaService,
        (Application, _) => Task,
        (_, LaunchType::Fargate) => kind.fargate_interface,
        (_, _) => ContainerInstance,
    };
    Some(Call {
        kind,
        caller,
        interface,
        endpoint: kind.endpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(action: &'static str) -> Need {
        Need::ExecutionRole {
            action,
            resource: "*".into(),
        }
    }

    #[test]
    fn agent_calls_on_fargate() {
        let c = call_for(&exec("ecr:BatchGetImage"), LaunchType::Fargate).unwrap();
        assert_eq!(
            (c.caller, c.interface, c.endpoint),
            (EcsAgent, Task, "ecr.dkr")
        );
        let c = call_for(&exec("ecr:GetAuthorizationToken"), LaunchType::Fargate).unwrap();
        assert_eq!((c.interface, c.endpoint), (FargateOwned, "ecr.api"));
        let c = call_for(&exec("ecr:GetAuthorizationToken"), LaunchType::Ec2).unwrap();
        assert_eq!(c.interface, ContainerInstance);
        let c = call_for(&exec("secretsmanager:GetSecretValue"), LaunchType::Fargate).unwrap();
        assert!(c.kind.policies.contains(&SecretPolicy));
        // Decryption is Secrets Manager's call, on EC2 as on Fargate.
        let c = call_for(&exec("kms:Decrypt"), LaunchType::Ec2).unwrap();
        assert_eq!(c.interface, ViaService);
        assert!(!c.interface.carries_vpc_keys());
    }

    #[test]
    fn application_and_layer_calls() {
        let n = Need::TaskRole {
            action: "ssmmessages:OpenDataChannel",
            resource: "*".into(),
        };
        assert_eq!(call_for(&n, LaunchType::Ec2).unwrap().caller, Application);
        let n = Need::S3Object {
            resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*".into(),
        };
        let c = call_for(&n, LaunchType::Fargate).unwrap();
        assert_eq!((c.caller, c.endpoint), (EcrPresignedUrl, "s3"));
        assert!(call_for(&Need::Endpoint("logs"), LaunchType::Fargate).is_none());
        // FireLens outputs write with the task role.
        let n = Need::TaskRole {
            action: "logs:PutLogEvents",
            resource: "*".into(),
        };
        assert_eq!(call_for(&n, LaunchType::Fargate).unwrap().endpoint, "logs");
    }
}
