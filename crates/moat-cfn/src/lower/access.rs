//! Resources that decide whether a task's calls get through beyond the network: customer
//! managed policies and permissions boundaries, KMS keys, Secrets Manager secrets and resource
//! policies, DHCP options sets, Route 53 private hosted zones, Classic Load Balancers and ECR
//! pull through cache rules.

use super::util::{ids, mid, mstr};
use crate::stack::{Env, Pending};
use crate::value::{Val, V};
use crate::Error;
use moat_model::*;
use std::collections::HashMap;

/// Resources that modify others, applied in [`super::finish`].
pub enum PendingAccess {
    SecretPolicy {
        secret: Maybe<Id>,
        policy: Maybe<PolicyDocument>,
    },
    DhcpAssoc {
        options: Maybe<Id>,
        vpc: Maybe<Id>,
    },
    /// A template bucket with a fixed `BucketName`: policies naming it by `Ref` get the name.
    BucketName {
        id: Id,
        name: String,
    },
}

fn items(v: Option<&V>) -> Vec<V> {
    match v.map(|v| &v.val) {
        Some(Val::List(l)) => l
            .iter()
            .filter(|x| x.val != Val::NoValue)
            .cloned()
            .collect(),
        Some(_) => vec![v.cloned().unwrap_or_else(|| V::str("", Default::default()))],
        None => Vec::new(),
    }
}

/// Lower one resource of these types; `false` when `ty` is not one of them.
pub fn lower(env: &mut Env, ty: &str, p: &V, prov: Provenance) -> Result<bool, Error> {
    let id = Id(prov.resource.clone());
    let m = &mut env.model;
    match ty {
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html
        "AWS::KMS::Key" => m.kms_keys.push(KmsKey {
            id,
            arn: Maybe::Unknown("the key ARN is assigned by AWS".into()),
            policy: p.get("KeyPolicy").map(|d| {
                super::policy::document(d, &prov, format!("key policy of {}", prov.resource))
            }),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html
        "AWS::SecretsManager::Secret" => m.secrets.push(SecretResource {
            id,
            name: mstr(p.get("Name"), "Name (assigned by AWS)"),
            kms_key: p.get("KmsKeyId").map(|k| match &k.val {
                Val::Att { res, .. } => Maybe::Known(res.clone()),
                _ => mstr(Some(k), "KmsKeyId"),
            }),
            policy: None,
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-resourcepolicy.html
        "AWS::SecretsManager::ResourcePolicy" => {
            let policy = match p.get("ResourcePolicy") {
                Some(d) => {
                    super::policy::document(d, &prov, format!("resource policy {}", prov.resource))
                }
                None => Maybe::Unknown("ResourcePolicy not set".into()),
            };
            let secret = p
                .get("SecretId")
                .map_or_else(|| Maybe::Unknown("SecretId not set".into()), mid);
            env.pending
                .push(Pending::Access(PendingAccess::SecretPolicy {
                    secret,
                    policy,
                }));
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-dhcpoptions.html
        "AWS::EC2::DHCPOptions" => m.dhcp_options.push(DhcpOptions {
            id,
            domain_name_servers: match p.get("DomainNameServers") {
                Some(v) => items(Some(v))
                    .iter()
                    .map(|x| mstr(Some(x), "DomainNameServers"))
                    .collect(),
                None => Vec::new(),
            },
            vpcs: Vec::new(),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcdhcpoptionsassociation.html
        "AWS::EC2::VPCDHCPOptionsAssociation" => {
            let options = p
                .get("DhcpOptionsId")
                .map_or_else(|| Maybe::Unknown("DhcpOptionsId not set".into()), mid);
            let vpc = p
                .get("VpcId")
                .map_or_else(|| Maybe::Unknown("VpcId not set".into()), mid);
            env.pending
                .push(Pending::Access(PendingAccess::DhcpAssoc { options, vpc }));
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-route53-hostedzone.html
        "AWS::Route53::HostedZone" => m.hosted_zones.push(HostedZone {
            id,
            name: mstr(p.get("Name"), "Name").map(|n| n.trim_end_matches('.').to_string()),
            vpcs: items(p.get("VPCs"))
                .iter()
                .map(|v| {
                    v.get("VPCId")
                        .map_or_else(|| Maybe::Unknown("VPCId not set".into()), mid)
                })
                .collect(),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancing-loadbalancer.html
        // (`Scheme`: "internal" or "internet-facing", the default).
        "AWS::ElasticLoadBalancing::LoadBalancer" => {
            m.classic_load_balancers.push(ClassicLoadBalancer {
                id,
                internal: match p.get("Scheme") {
                    None => Maybe::Known(false),
                    Some(s) => mstr(Some(s), "Scheme").map(|s| s == "internal"),
                },
                subnets: ids(p.get("Subnets")),
                security_groups: ids(p.get("SecurityGroups")),
                prov,
            })
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecr-pullthroughcacherule.html
        "AWS::ECR::PullThroughCacheRule" => m.pull_through_cache_rules.push(PullThroughCacheRule {
            id,
            prefix: mstr(p.get("EcrRepositoryPrefix"), "EcrRepositoryPrefix"),
            upstream: mstr(p.get("UpstreamRegistryUrl"), "UpstreamRegistryUrl"),
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucketpolicy.html
        "AWS::S3::BucketPolicy" => m.bucket_policies.push(BucketPolicy {
            id,
            bucket: mstr(p.get("Bucket"), "Bucket"),
            policy: match p.get("PolicyDocument") {
                Some(d) => {
                    super::policy::document(d, &prov, format!("bucket policy {}", prov.resource))
                }
                None => Maybe::Unknown("PolicyDocument not set".into()),
            },
            prov,
        }),
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html
        // (`Ref` returns the bucket name). Only its name matters here.
        "AWS::S3::Bucket" => {
            if let Some(Ok(name)) = p.get("BucketName").map(V::text) {
                env.pending
                    .push(Pending::Access(PendingAccess::BucketName { id, name }));
            }
            return Ok(false);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Apply one pending access resource.
pub fn apply(env: &mut Env, p: PendingAccess) {
    match p {
        PendingAccess::SecretPolicy { secret, policy } => {
            if let Some(s) = secret
                .known()
                .and_then(|id| env.model.secrets.iter_mut().find(|s| &s.id == id))
            {
                s.policy = Some(policy);
            }
        }
        PendingAccess::BucketName { id, name } => {
            for b in &mut env.model.bucket_policies {
                if b.bucket.known() == Some(&id.0) {
                    b.bucket = Maybe::Known(name.clone());
                }
            }
        }
        PendingAccess::DhcpAssoc { options, vpc } => {
            if let Some(o) = options
                .known()
                .and_then(|id| env.model.dhcp_options.iter_mut().find(|o| &o.id == id))
            {
                o.vpcs.push(vpc);
            }
        }
    }
}

/// Give each role the documents of the template's customer managed policies it attaches by
/// `ManagedPolicyArns` (a `Ref` is the policy's model id), and the document of a permissions
/// boundary that is one of them.
pub fn attach_managed_documents(env: &mut Env, docs: &HashMap<String, PolicyDocument>) {
    for role in &mut env.model.roles {
        for arn in role.managed_policy_arns.clone() {
            let Maybe::Known(arn) = arn else { continue };
            let Some(doc) = docs.get(&arn) else { continue };
            if !role
                .policies
                .iter()
                .any(|p| p.attached_as.as_deref() == Some(arn.as_str()))
            {
                role.policies.push(doc.clone());
            }
        }
        if let Some(b) = &mut role.permissions_boundary {
            if let Some(doc) = b.arn.known().and_then(|a| docs.get(a)) {
                b.document = Maybe::Known(doc.clone());
            }
        }
    }
}
