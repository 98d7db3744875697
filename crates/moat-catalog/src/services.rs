//! AWS services reachable from an isolated VPC through endpoints.

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

/// Every service moat knows.
pub static SERVICES: &[ServiceInfo] = &[];

/// Look up a service by short name.
pub fn service(name: &str) -> Option<&'static ServiceInfo> {
    SERVICES.iter().find(|s| s.name == name)
}
