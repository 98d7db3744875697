//! Resources beyond the network and ECS that decide whether a task's calls succeed: KMS keys,
//! Secrets Manager secrets and their resource policies, DHCP options sets, Route 53 private
//! hosted zones, Classic Load Balancers and ECR pull through cache rules.

use crate::{Id, Maybe, PolicyDocument, Provenance};
use serde::Serialize;

/// A customer managed KMS key (`AWS::KMS::Key`, or `DescribeKey`).
#[derive(Debug, Clone, Serialize)]
pub struct KmsKey {
    pub id: Id,
    /// The key ARN when known (live; a template knows only the logical id).
    pub arn: Maybe<String>,
    /// `KeyPolicy`; `None` when the source did not give one (AWS then applies its default key
    /// policy, which delegates to IAM in the key's account).
    pub policy: Option<Maybe<PolicyDocument>>,
    pub prov: Provenance,
}

/// A Secrets Manager secret (`AWS::SecretsManager::Secret`, or `DescribeSecret`).
#[derive(Debug, Clone, Serialize)]
pub struct SecretResource {
    pub id: Id,
    /// `Name`, when given.
    pub name: Maybe<String>,
    /// `KmsKeyId`: a key ARN, alias, or the model id of a key in the template. `None`: the AWS
    /// managed key `aws/secretsmanager`.
    pub kms_key: Option<Maybe<String>>,
    /// The resource policy (`AWS::SecretsManager::ResourcePolicy`, or `GetResourcePolicy`).
    pub policy: Option<Maybe<PolicyDocument>>,
    pub prov: Provenance,
}

/// A DHCP options set and the VPCs it is associated with.
#[derive(Debug, Clone, Serialize)]
pub struct DhcpOptions {
    pub id: Id,
    /// `DomainNameServers`; `AmazonProvidedDNS` is the Route 53 Resolver.
    pub domain_name_servers: Vec<Maybe<String>>,
    /// VPCs associated with it (`AWS::EC2::VPCDHCPOptionsAssociation`).
    pub vpcs: Vec<Maybe<Id>>,
    pub prov: Provenance,
}

/// A Route 53 hosted zone; private when associated with VPCs.
#[derive(Debug, Clone, Serialize)]
pub struct HostedZone {
    pub id: Id,
    /// The zone's domain name, without the trailing dot.
    pub name: Maybe<String>,
    /// VPCs the private zone is associated with (empty: a public zone).
    pub vpcs: Vec<Maybe<Id>>,
    pub prov: Provenance,
}

/// A Classic Load Balancer (`AWS::ElasticLoadBalancing::LoadBalancer`).
#[derive(Debug, Clone, Serialize)]
pub struct ClassicLoadBalancer {
    pub id: Id,
    /// `Scheme: internal` (true); AWS's default is internet-facing.
    pub internal: Maybe<bool>,
    pub subnets: Vec<Maybe<Id>>,
    pub security_groups: Vec<Maybe<Id>>,
    pub prov: Provenance,
}

/// An ECR pull through cache rule (`AWS::ECR::PullThroughCacheRule`).
#[derive(Debug, Clone, Serialize)]
pub struct PullThroughCacheRule {
    pub id: Id,
    /// `EcrRepositoryPrefix`: images under `<registry>/<prefix>/…` are pulled through the cache.
    pub prefix: Maybe<String>,
    /// `UpstreamRegistryUrl` (`public.ecr.aws`, `registry-1.docker.io`, …).
    pub upstream: Maybe<String>,
    pub prov: Provenance,
}

/// An S3 bucket policy (`AWS::S3::BucketPolicy`, or `GetBucketPolicy`).
#[derive(Debug, Clone, Serialize)]
pub struct BucketPolicy {
    pub id: Id,
    /// The bucket's name (a template bucket's `BucketName`), or its model id when the name is
    /// assigned by AWS.
    pub bucket: Maybe<String>,
    pub policy: Maybe<PolicyDocument>,
    pub prov: Provenance,
}
