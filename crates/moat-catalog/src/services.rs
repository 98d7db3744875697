//! AWS services reachable from an isolated VPC through endpoints.
//!
//! Each entry names the AWS documentation page that says the service has a VPC endpoint of that
//! kind and what a task uses it for. The overall list of services with PrivateLink support is
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html>.

use moat_model::EndpointKind;

/// One AWS service that has a VPC endpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceInfo {
    /// Short service name as it follows `com.amazonaws.<region>.` (`ecr.dkr`, `s3`, `logs`).
    pub name: &'static str,
    /// Interface (PrivateLink, billed per AZ-hour) or Gateway (S3/DynamoDB, free).
    pub kind: EndpointKind,
    /// Human title ("Amazon ECR Docker registry").
    pub title: &'static str,
    /// What a task uses it for, one line.
    pub used_for: &'static str,
    /// Whether the workload only works with private DNS on (ECR dkr, …).
    pub private_dns_required: bool,
    /// AWS documentation page this entry comes from.
    pub source: &'static str,
}

/// Amazon ECR interface VPC endpoints (AWS PrivateLink).
pub const SRC_ECR_ENDPOINTS: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html";
/// Amazon ECS interface VPC endpoints (AWS PrivateLink).
pub const SRC_ECS_ENDPOINTS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html";

const fn interface(
    name: &'static str,
    title: &'static str,
    used_for: &'static str,
    private_dns_required: bool,
    source: &'static str,
) -> ServiceInfo {
    ServiceInfo {
        name,
        kind: EndpointKind::Interface,
        title,
        used_for,
        private_dns_required,
        source,
    }
}

/// Every service moat knows, in a stable order (the order `docs/catalog.md` lists them).
///
/// `private_dns_required` is true where the client (the ECS agent, Docker, an AWS SDK with its
/// default endpoint) resolves the service's public name and so only reaches the endpoint when
/// the endpoint's private hosted zone answers for that name.
pub static SERVICES: &[ServiceInfo] = &[
    interface(
        "ecr.api",
        "Amazon ECR API",
        "GetAuthorizationToken and image manifests when pulling from private ECR",
        true,
        SRC_ECR_ENDPOINTS,
    ),
    interface(
        "ecr.dkr",
        "Amazon ECR Docker registry",
        "the Docker Registry API (pull) for private ECR images",
        true,
        SRC_ECR_ENDPOINTS,
    ),
    ServiceInfo {
        name: "s3",
        kind: EndpointKind::Gateway,
        title: "Amazon S3 (gateway)",
        used_for: "ECR image layers, environment files, FireLens config files, bucket reads",
        private_dns_required: false,
        source: "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html",
    },
    interface(
        "logs",
        "Amazon CloudWatch Logs",
        "the awslogs log driver and FireLens cloudwatch outputs",
        true,
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch-logs-and-interface-VPC.html",
    ),
    interface(
        "secretsmanager",
        "AWS Secrets Manager",
        "secrets, secretOptions and repositoryCredentials from Secrets Manager",
        true,
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html",
    ),
    interface(
        "ssm",
        "AWS Systems Manager",
        "secrets from SSM Parameter Store",
        true,
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html",
    ),
    interface(
        "ssmmessages",
        "Amazon Message Gateway Service (Session Manager)",
        "ECS Exec sessions",
        true,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html",
    ),
    interface(
        "ec2messages",
        "Amazon Message Delivery Service",
        "the SSM agent on EC2 container instances (Run Command)",
        true,
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html",
    ),
    interface(
        "kms",
        "AWS Key Management Service",
        "decrypting secrets or parameters encrypted with a customer managed key",
        true,
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-vpc-endpoint.html",
    ),
    interface(
        "ecs",
        "Amazon ECS",
        "the ECS container agent on EC2 capacity (control plane)",
        true,
        SRC_ECS_ENDPOINTS,
    ),
    interface(
        "ecs-agent",
        "Amazon ECS agent",
        "the ECS container agent on EC2 capacity (agent communication)",
        true,
        SRC_ECS_ENDPOINTS,
    ),
    interface(
        "ecs-telemetry",
        "Amazon ECS telemetry",
        "the ECS container agent on EC2 capacity (metrics)",
        true,
        SRC_ECS_ENDPOINTS,
    ),
    interface(
        "xray",
        "AWS X-Ray",
        "the X-Ray daemon sending trace segments",
        true,
        "https://docs.aws.amazon.com/xray/latest/devguide/xray-security-vpc-endpoint.html",
    ),
    interface(
        "sts",
        "AWS Security Token Service",
        "AssumeRole / AssumeRoleWithWebIdentity from inside the task",
        true,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_sts_vpce.html",
    ),
    interface(
        "monitoring",
        "Amazon CloudWatch (metrics)",
        "PutMetricData, e.g. from the CloudWatch agent or an SDK",
        true,
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-interface-VPC.html",
    ),
    interface(
        "sqs",
        "Amazon SQS",
        "sending and receiving queue messages",
        true,
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-internetwork-traffic-privacy.html",
    ),
    interface(
        "sns",
        "Amazon SNS",
        "publishing notifications",
        true,
        "https://docs.aws.amazon.com/sns/latest/dg/sns-internetwork-traffic-privacy.html",
    ),
    ServiceInfo {
        name: "dynamodb",
        kind: EndpointKind::Gateway,
        title: "Amazon DynamoDB (gateway)",
        used_for: "table reads and writes",
        private_dns_required: false,
        source: "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html",
    },
    interface(
        "elasticfilesystem",
        "Amazon EFS (API)",
        "the EFS API (mount targets themselves are ENIs in the VPC)",
        false,
        "https://docs.aws.amazon.com/efs/latest/ug/efs-vpc-endpoints.html",
    ),
    interface(
        "execute-api",
        "Amazon API Gateway (private APIs)",
        "calling private REST APIs",
        true,
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html",
    ),
    interface(
        "kinesis-firehose",
        "Amazon Data Firehose",
        "FireLens kinesis_firehose outputs and direct PutRecord",
        true,
        "https://docs.aws.amazon.com/firehose/latest/dev/vpc.html",
    ),
    interface(
        "kinesis-streams",
        "Amazon Kinesis Data Streams",
        "FireLens kinesis_streams outputs and direct PutRecord",
        true,
        "https://docs.aws.amazon.com/streams/latest/dev/vpc.html",
    ),
    interface(
        "events",
        "Amazon EventBridge",
        "PutEvents",
        true,
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-related-service-vpc.html",
    ),
    interface(
        "states",
        "AWS Step Functions",
        "task tokens (SendTaskSuccess/Failure/Heartbeat) and StartExecution",
        true,
        "https://docs.aws.amazon.com/step-functions/latest/dg/vpc-endpoints.html",
    ),
    interface(
        "appmesh-envoy-management",
        "AWS App Mesh Envoy management",
        "Envoy sidecars fetching their configuration",
        true,
        "https://docs.aws.amazon.com/app-mesh/latest/userguide/vpc-endpoints.html",
    ),
];

/// Look up a service by short name.
pub fn service(name: &str) -> Option<&'static ServiceInfo> {
    SERVICES.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sourced() {
        for (i, s) in SERVICES.iter().enumerate() {
            assert!(
                SERVICES[i + 1..].iter().all(|t| t.name != s.name),
                "duplicate {}",
                s.name
            );
            assert!(
                s.source.starts_with("https://docs.aws.amazon.com/"),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn gateway_services_are_s3_and_dynamodb() {
        let gw: Vec<_> = SERVICES
            .iter()
            .filter(|s| s.kind == EndpointKind::Gateway)
            .map(|s| s.name)
            .collect();
        assert_eq!(gw, ["s3", "dynamodb"]);
        assert_eq!(
            service("ecr.dkr").map(|s| s.kind),
            Some(EndpointKind::Interface)
        );
        assert!(service("nope").is_none());
    }
}
