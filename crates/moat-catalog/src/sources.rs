//! The AWS documentation pages the catalog's facts come from, one constant per page so that
//! rules, docs and tests cite the same address.

/// "Amazon ECR interface VPC endpoints (AWS PrivateLink)": ecr.api + ecr.dkr + the S3 gateway
/// endpoint, and the `prod-<region>-starport-layer-bucket` layer bucket.
pub const ECR_VPC_ENDPOINTS: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html";
/// "Amazon ECS task execution IAM role": ECR pull, awslogs and secrets permissions of the
/// execution role, and that `AmazonECSTaskExecutionRolePolicy` has no `logs:CreateLogGroup`.
pub const TASK_EXECUTION_ROLE: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html";
/// "Amazon ECS container instance IAM role": on the EC2 launch type the container agent uses
/// the instance's role (the task execution role is required for ECR pulls and awslogs only on
/// Fargate and external instances, per [`TASK_EXECUTION_ROLE`]).
pub const INSTANCE_ROLE: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html";
/// "Amazon ECS interface VPC endpoints (AWS PrivateLink)": ecs, ecs-agent, ecs-telemetry for
/// EC2 capacity.
pub const ECS_VPC_ENDPOINTS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html";
/// "Pass Secrets Manager secrets through Amazon ECS environment variables".
pub const SECRETS_MANAGER_SECRETS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html";
/// "Pass Systems Manager parameters through Amazon ECS environment variables".
pub const SSM_PARAMETERS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html";
/// "Pass sensitive data to an Amazon ECS container" (secrets and `secretOptions`).
pub const SENSITIVE_DATA: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html";
/// "Monitor Amazon ECS containers with ECS Exec".
pub const ECS_EXEC: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html";
/// "Send Amazon ECS logs to CloudWatch" (the awslogs driver and its options).
pub const AWSLOGS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html";
/// "Send Amazon ECS logs to an AWS service or AWS Partner" (FireLens custom log routing).
pub const FIRELENS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html";
/// "Pass environment variables to an Amazon ECS container" (`environmentFiles` in S3).
pub const ENVIRONMENT_FILES: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html";
/// "Using non-AWS container images in Amazon ECS" (private registry authentication).
pub const PRIVATE_REGISTRY_AUTH: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/private-auth.html";
/// "Running the X-Ray daemon on Amazon ECS".
pub const XRAY_DAEMON_ECS: &str =
    "https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-ecs.html";
/// "Sync an upstream registry with an Amazon ECR private registry" (pull through cache).
pub const ECR_PULL_THROUGH_CACHE: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html";
/// AWS KMS and Secrets Manager: decrypting a secret encrypted with a customer managed key.
pub const SECRETS_MANAGER_KMS: &str =
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html";
/// AWS PrivateLink pricing.
pub const PRIVATELINK_PRICING: &str = "https://aws.amazon.com/privatelink/pricing/";
/// Amazon VPC pricing (NAT gateway).
pub const NAT_GATEWAY_PRICING: &str = "https://aws.amazon.com/vpc/pricing/";
/// Amazon Route 53 pricing (Resolver DNS Firewall: per domain per month, per million queries).
pub const ROUTE53_PRICING: &str = "https://aws.amazon.com/route53/pricing/";

/// The X-Ray daemon's managed policy (`AWSXRayDaemonWriteAccess`): trace upload plus the
/// sampling rules, targets and statistic summaries, on `*`.
pub const XRAY_DAEMON_POLICY: &str =
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html";
/// "AmazonECSTaskExecutionRolePolicy" in the AWS Managed Policy Reference: the policy document.
pub const TASK_EXECUTION_ROLE_MANAGED_POLICY: &str =
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html";
/// "Optional IAM permissions for Fargate tasks pulling Amazon ECR images over interface
/// endpoints": `ecr:GetAuthorizationToken` goes through AWS Fargate's own network interface,
/// not the task's, so it carries no `aws:SourceVpc`/`aws:SourceVpce`.
pub const FARGATE_ECR_CONDITION_KEYS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html#task-execution-ecr-conditionkeys";
/// "Amazon ECS task IAM role": the application's calls use the task role's credentials.
pub const TASK_ROLE: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html";
/// "AWS global condition context keys": which keys a request carries (`aws:SourceVpc`,
/// `aws:SourceVpce` only through a VPC endpoint, `aws:ResourceAccount`, `aws:PrincipalAccount`,
/// `aws:RequestedRegion`).
pub const GLOBAL_CONDITION_KEYS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html";
/// "Control access to VPC endpoints using endpoint policies".
pub const ENDPOINT_POLICIES: &str =
    "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html";
/// AWS KMS key policies: a key policy must allow the principal, directly or by delegating to IAM.
pub const KMS_KEY_POLICIES: &str =
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html";
/// Secrets Manager resource-based policies.
pub const SECRETS_MANAGER_RESOURCE_POLICY: &str =
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html";
/// "RegisterTaskDefinition" (ECS API reference): `containerDefinitions` is required.
pub const REGISTER_TASK_DEFINITION: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html";
