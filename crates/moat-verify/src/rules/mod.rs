//! Every rule, one per file. Codes are stable and never reused:
//! `MOAT0xx` internet isolation, `MOAT1xx` the workload reaching AWS services, `MOAT2xx` private
//! ingress, `MOAT3xx` hygiene the seeds ask for.

pub(crate) mod analysis;
mod calls;
mod dns;
mod dns_exfiltration_open;
mod dns_firewall_blocks_needed_name;
mod egress_gateway_open_to_internet;
mod elastic_ip_allocated;
mod endpoint_blocked_by_network_acl;
mod endpoint_blocked_by_security_group;
mod endpoint_missing;
mod endpoint_not_in_task_az;
mod endpoint_private_dns_disabled;
mod endpoint_service_acceptance_disabled;
mod endpoint_service_listener_not_tls;
mod endpoint_service_open_to_all;
mod execution_role_missing_permission;
mod execution_role_trust_without_source_conditions;
mod flow_logs_disabled;
mod image_from_other_registry;
mod image_from_public_registry;
mod internet_facing_load_balancer;
mod internet_gateway_attached;
mod nat_gateway_present;
mod property_unproved;
mod route_to_egress_only_gateway;
mod route_to_internet_gateway;
mod route_to_nat_gateway;
mod route_to_unverified_target;
mod s3_gateway_not_routed;
mod s3_gateway_policy_denies;
mod service_assigns_public_ip;
mod subnet_maps_public_ip;
mod task_role_missing_permission;
mod unresolved_value;
mod vpc_dns_disabled;

pub use dns_exfiltration_open::DnsExfiltrationOpen;
pub use dns_firewall_blocks_needed_name::DnsFirewallBlocksNeededName;
pub use egress_gateway_open_to_internet::EgressGatewayOpenToInternet;
pub use elastic_ip_allocated::ElasticIpAllocated;
pub use endpoint_blocked_by_network_acl::EndpointBlockedByNetworkAcl;
pub use endpoint_blocked_by_security_group::EndpointBlockedBySecurityGroup;
pub use endpoint_missing::EndpointMissing;
pub use endpoint_not_in_task_az::EndpointNotInTaskAz;
pub use endpoint_private_dns_disabled::EndpointPrivateDnsDisabled;
pub use endpoint_service_acceptance_disabled::EndpointServiceAcceptanceDisabled;
pub use endpoint_service_listener_not_tls::EndpointServiceListenerNotTls;
pub use endpoint_service_open_to_all::EndpointServiceOpenToAll;
pub use execution_role_missing_permission::ExecutionRoleMissingPermission;
pub use execution_role_trust_without_source_conditions::ExecutionRoleTrustWithoutSourceConditions;
pub use flow_logs_disabled::FlowLogsDisabled;
pub use image_from_other_registry::ImageFromOtherRegistry;
pub use image_from_public_registry::ImageFromPublicRegistry;
pub use internet_facing_load_balancer::InternetFacingLoadBalancer;
pub use internet_gateway_attached::InternetGatewayAttached;
pub use nat_gateway_present::NatGatewayPresent;
pub use property_unproved::PropertyUnproved;
pub use route_to_egress_only_gateway::RouteToEgressOnlyGateway;
pub use route_to_internet_gateway::RouteToInternetGateway;
pub use route_to_nat_gateway::RouteToNatGateway;
pub use route_to_unverified_target::RouteToUnverifiedTarget;
pub use s3_gateway_not_routed::S3GatewayNotRouted;
pub use s3_gateway_policy_denies::S3GatewayPolicyDenies;
pub use service_assigns_public_ip::ServiceAssignsPublicIp;
pub use subnet_maps_public_ip::SubnetMapsPublicIp;
pub use task_role_missing_permission::TaskRoleMissingPermission;
pub use unresolved_value::UnresolvedValue;
pub use vpc_dns_disabled::VpcDnsDisabled;

// Every policy on a call's path, DNS and regions (issue 11).
mod bucket_policy_denies;
mod classic_load_balancer_internet_facing;
mod dhcp_options_custom_dns;
mod ecr_layers_need_s3_gateway;
mod endpoint_policy_denies;
mod hosted_zone_shadows_service;
mod kms_decrypt_missing;
mod permissions_boundary_denies;
mod pull_through_cache_first_pull;
mod resource_in_other_region;
mod role_trust_wrong;
mod s3_perimeter_excludes_layer_bucket;
mod secret_policy_denies;
mod service_egress_wider_than_s3_list;
pub use bucket_policy_denies::BucketPolicyDenies;
pub use classic_load_balancer_internet_facing::ClassicLoadBalancerInternetFacing;
pub use dhcp_options_custom_dns::DhcpOptionsCustomDns;
pub use ecr_layers_need_s3_gateway::EcrLayersNeedS3Gateway;
pub use endpoint_policy_denies::EndpointPolicyDenies;
pub use hosted_zone_shadows_service::HostedZoneShadowsService;
pub use kms_decrypt_missing::KmsDecryptMissing;
pub use permissions_boundary_denies::PermissionsBoundaryDenies;
pub use pull_through_cache_first_pull::PullThroughCacheFirstPull;
pub use resource_in_other_region::ResourceInOtherRegion;
pub use role_trust_wrong::RoleTrustWrong;
pub use s3_perimeter_excludes_layer_bucket::S3PerimeterExcludesLayerBucket;
pub use secret_policy_denies::SecretPolicyDenies;
pub use service_egress_wider_than_s3_list::ServiceEgressWiderThanS3List;

use crate::Rule;

/// Every rule moat runs.
pub static ALL: &[&dyn Rule] = &[
    &RouteToInternetGateway,
    &RouteToNatGateway,
    &RouteToEgressOnlyGateway,
    &RouteToUnverifiedTarget,
    &InternetGatewayAttached,
    &ServiceAssignsPublicIp,
    &SubnetMapsPublicIp,
    &NatGatewayPresent,
    &ElasticIpAllocated,
    &InternetFacingLoadBalancer,
    &EgressGatewayOpenToInternet,
    &DnsExfiltrationOpen,
    &DnsFirewallBlocksNeededName,
    &ServiceEgressWiderThanS3List,
    &EndpointMissing,
    &EndpointPrivateDnsDisabled,
    &VpcDnsDisabled,
    &EndpointNotInTaskAz,
    &EndpointBlockedBySecurityGroup,
    &EndpointBlockedByNetworkAcl,
    &S3GatewayNotRouted,
    &S3GatewayPolicyDenies,
    &ExecutionRoleMissingPermission,
    &ImageFromPublicRegistry,
    &ImageFromOtherRegistry,
    &UnresolvedValue,
    &TaskRoleMissingPermission,
    &EndpointServiceOpenToAll,
    &EndpointServiceAcceptanceDisabled,
    &EndpointServiceListenerNotTls,
    &FlowLogsDisabled,
    &ExecutionRoleTrustWithoutSourceConditions,
    &PermissionsBoundaryDenies,
    &EndpointPolicyDenies,
    &S3PerimeterExcludesLayerBucket,
    &KmsDecryptMissing,
    &RoleTrustWrong,
    &SecretPolicyDenies,
    &DhcpOptionsCustomDns,
    &HostedZoneShadowsService,
    &ResourceInOtherRegion,
    &EcrLayersNeedS3Gateway,
    &PullThroughCacheFirstPull,
    &ClassicLoadBalancerInternetFacing,
    &BucketPolicyDenies,
    // Last: it reports the unproved properties every rule before it recorded.
    &PropertyUnproved,
];

/// What rule files import.
pub(crate) mod prelude {
    pub(crate) use super::analysis::*;
    pub(crate) use crate::{Context, Rule, RuleMeta};
    pub(crate) use moat_model::{EndpointKind, Finding, Maybe, RouteTarget};
}
