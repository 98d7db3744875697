use super::prelude::*;
use moat_catalog::Need;

rule! {
    /// ## What it does
    /// Finds services that pull from private ECR in a VPC that has an S3 *interface*
    /// endpoint but no S3 *gateway* endpoint.
    ///
    /// ## Why is this bad?
    /// ECR serves image layers from S3 through the gateway endpoint; AWS documents the S3
    /// gateway endpoint as the one ECR needs. The interface endpoint's names
    /// (`*.s3.<region>.vpce.amazonaws.com`) are not the bucket names the ECR presigned layer
    /// URLs use, so the pull stalls on the first layer (`CannotPullContainerError`).
    ///
    /// ## Example
    /// An `AWS::EC2::VPCEndpoint` with `ServiceName: com.amazonaws.us-east-1.s3` and
    /// `VpcEndpointType: Interface`, and no gateway endpoint for S3.
    ///
    /// ## Fix
    /// Add the S3 gateway endpoint (`VpcEndpointType: Gateway`) on the task subnets' route
    /// tables; the interface endpoint may stay for other clients.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html
    pub struct EcrLayersNeedS3Gateway {
        code: "MOAT130",
        name: "ecr-layers-need-s3-gateway",
        severity: Error,
        summary: "ECR layers need the S3 gateway endpoint; only an S3 interface endpoint exists",
    }
}

impl Rule for EcrLayersNeedS3Gateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for view in &cx.services {
            let Some(vpc) = &view.vpc else { continue };
            let Some(req) = view.needs.requirements.iter().find(|r| {
                matches!(&r.need, Need::S3Object { resource } if resource.contains("-starport-layer-bucket/"))
            }) else {
                continue;
            };
            let s3: Vec<_> = cx.model.endpoints_for_service(vpc, "s3").collect();
            let gateway = s3
                .iter()
                .any(|e| e.kind.known() != Some(&EndpointKind::Interface));
            if gateway {
                continue;
            }
            let Some(iface) = s3.first() else { continue };
            out.push(Self::META.finding(
                format!(
                    "VPC `{vpc}` reaches S3 only through interface endpoint `{}`, which does not serve ECR's layer downloads; {}",
                    iface.id,
                    need_why(view, req)
                ),
                iface.prov.clone(),
                "add an S3 gateway endpoint on the task subnets' route tables".into(),
            ));
        }
    }
}
