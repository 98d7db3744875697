//! The CloudFormation template for a [`Plan`].
//!
//! Resource order is fixed (network, endpoints, security groups, flow logs, ECR, cluster and
//! IAM, log groups, per service: task definition, service, autoscaling, ingress), so the same
//! plan gives the same bytes.

mod dns;
mod egress;
mod ingress;
mod network;
mod nlb;
mod posture;
mod pull_through;
mod workload;

pub use network::S3_PREFIX_LIST_PARAM;
pub(crate) use network::{s3_prefix_list_parameter, service_sg};

use crate::plan::Plan;
use crate::tree::{get_att, join, r, s, sub, to_json, to_yaml, MapB, Node};

/// Template serialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    Yaml,
    Json,
}

/// Collects resources in emission order.
pub(crate) struct Resources(MapB);

impl Resources {
    pub(crate) fn add(&mut self, id: &str, ty: &str, props: MapB) {
        self.0.push(
            id,
            MapB::new()
                .put("Type", s(ty))
                .put("Properties", props.build())
                .build(),
        );
    }
    /// A resource CloudFormation keeps when the stack is deleted or the resource replaced
    /// (`DeletionPolicy` and `UpdateReplacePolicy: Retain`): log groups, whose records an
    /// auditor may ask for after the environment is gone. Source:
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html>.
    pub(crate) fn add_retained(&mut self, id: &str, ty: &str, props: MapB) {
        self.0.push(
            id,
            MapB::new()
                .put("Type", s(ty))
                .put("DeletionPolicy", s("Retain"))
                .put("UpdateReplacePolicy", s("Retain"))
                .put("Properties", props.build())
                .build(),
        );
    }
    /// A resource with any of the optional attributes of [`Attrs`].
    pub(crate) fn add_with(&mut self, id: &str, ty: &str, attrs: Attrs, props: MapB) {
        let mut node = MapB::new().put("Type", s(ty));
        if !attrs.depends_on.is_empty() {
            node.push(
                "DependsOn",
                Node::Seq(attrs.depends_on.iter().map(s).collect()),
            );
        }
        if attrs.retained {
            node.push("DeletionPolicy", s("Retain"));
            node.push("UpdateReplacePolicy", s("Retain"));
        }
        if !attrs.checkov_waivers.is_empty() {
            node.push("Metadata", posture::checkov_waivers(attrs.checkov_waivers));
        }
        self.0
            .push(id, node.put("Properties", props.build()).build());
    }
    /// A resource with `DependsOn` (only where no property reference orders it already).
    pub(crate) fn add_after(&mut self, id: &str, ty: &str, depends_on: &[String], props: MapB) {
        let deps = Node::Seq(depends_on.iter().map(s).collect());
        self.0.push(
            id,
            MapB::new()
                .put("Type", s(ty))
                .put("DependsOn", deps)
                .put("Properties", props.build())
                .build(),
        );
    }
}

/// Optional resource attributes for [`Resources::add_with`].
#[derive(Default)]
pub(crate) struct Attrs {
    /// `DependsOn`, where no property reference orders the resource already.
    pub depends_on: Vec<String>,
    /// `DeletionPolicy` and `UpdateReplacePolicy: Retain` (see [`Resources::add_retained`]).
    pub retained: bool,
    /// checkov checks that do not fit this resource, each with the reason (`Metadata.checkov.skip`).
    pub checkov_waivers: &'static [(&'static str, &'static str)],
}

/// `[{Key: Name, Value: <env>-<what>}]`.
pub(crate) fn name_tag(plan: &Plan, what: &str) -> Node {
    Node::Seq(vec![MapB::new()
        .put("Key", s("Name"))
        .put("Value", s(format!("{}-{what}", plan.name)))
        .build()])
}

/// The trust policy for `service` with the confused-deputy guard: only this account's
/// resources (for ECS, this region's) may make the service assume the role. Source:
/// <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html>
/// and <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>.
pub(crate) fn trust(service: &str, source_arn: &str) -> Node {
    let cond = MapB::new()
        .put(
            "StringEquals",
            MapB::new()
                .put("aws:SourceAccount", r("AWS::AccountId"))
                .build(),
        )
        .put(
            "ArnLike",
            MapB::new().put("aws:SourceArn", sub(source_arn)).build(),
        )
        .build();
    MapB::new()
        .put("Version", s("2012-10-17"))
        .put(
            "Statement",
            Node::Seq(vec![MapB::new()
                .put("Effect", s("Allow"))
                .put("Principal", MapB::new().put("Service", s(service)).build())
                .put("Action", s("sts:AssumeRole"))
                .put("Condition", cond)
                .build()]),
        )
        .build()
}

/// A policy document from plan statements (`Principal: "*"` for endpoint policies).
pub(crate) fn policy_doc(stmts: &[crate::plan::PolicyStatement], principal_star: bool) -> Node {
    let list = stmts
        .iter()
        .map(|st| {
            MapB::new()
                .put("Effect", s("Allow"))
                .put_if(principal_star, "Principal", || s("*"))
                .put("Action", Node::Seq(st.actions.iter().map(s).collect()))
                .put("Resource", Node::Seq(st.resources.iter().map(s).collect()))
                .build()
        })
        .collect();
    MapB::new()
        .put("Version", s("2012-10-17"))
        .put("Statement", Node::Seq(list))
        .build()
}

/// The template as an ordered tree.
pub fn template(plan: &Plan) -> Node {
    let mut res = Resources(MapB::new());
    posture::emit(plan, &mut res);
    network::emit(plan, &mut res);
    workload::emit(plan, &mut res);
    dns::emit(plan, &mut res);
    pull_through::emit(plan, &mut res);
    let mut outputs = MapB::new();
    let out = |v: Node, d: &str| MapB::new().put("Description", s(d)).put("Value", v).build();
    outputs.push("VpcId", out(r("Vpc"), "The isolated VPC"));
    outputs.push(
        "TaskSubnetIds",
        out(
            join(",", plan.subnets.iter().map(|x| r(&x.logical_id)).collect()),
            "Isolated task subnets, comma-separated",
        ),
    );
    outputs.push("ClusterName", out(r("Cluster"), "ECS cluster"));
    for svc in &plan.services {
        if svc.ingress.is_some() {
            outputs.push(
                &format!("{}EndpointServiceName", svc.logical_id),
                out(
                    sub(format!(
                        "com.amazonaws.vpce.${{AWS::Region}}.${{{}EndpointService}}",
                        svc.logical_id
                    )),
                    &format!(
                        "VPC endpoint service name consumers use to reach {}",
                        svc.name
                    ),
                ),
            );
        }
    }
    let _ = get_att;
    let mut parameters = pull_through::parameters(plan);
    let mut metadata = None;
    if network::uses_s3_prefix_list(plan) {
        let (param, meta) = network::s3_prefix_list_parameter();
        parameters.push((network::S3_PREFIX_LIST_PARAM.to_string(), param));
        metadata = Some(meta);
    }
    let mut top = MapB::new()
        .put("AWSTemplateFormatVersion", s("2010-09-09"))
        .put("Description", s(description(plan)));
    if let Some(meta) = metadata {
        top.push("Metadata", meta);
    }
    top.put_if(!parameters.is_empty(), "Parameters", || {
        let mut m = MapB::new();
        for (k, v) in parameters {
            m.push(&k, v);
        }
        m.build()
    })
    .put("Resources", res.0.build())
    .put("Outputs", outputs.build())
    .build()
}

/// The template's one-line description: it must say what the stack holds, so a spec with
/// `[egress]` (an internet gateway routed from the gateway's own subnets) does not claim "no
/// internet gateway".
fn description(plan: &Plan) -> String {
    match &plan.egress {
        None => format!(
            "moat: isolated ECS environment {} (no internet gateway, no NAT; AWS services through VPC endpoints only)",
            plan.name
        ),
        Some(_) => format!(
            "moat: isolated ECS environment {} (no NAT; AWS services through VPC endpoints; an internet gateway routed only from the egress gateway's subnets, which let out the allowlisted hosts)",
            plan.name
        ),
    }
}

/// The CloudFormation template for `plan`, deterministic byte for byte.
pub fn synth(plan: &Plan, format: TemplateFormat) -> String {
    let t = template(plan);
    match format {
        TemplateFormat::Yaml => {
            let mut out = format!(
                "# Generated by moat from {}. Do not edit: change the spec and run `moat synth` again.\n",
                plan.spec_path.replace('\n', " ")
            );
            out.push_str(&to_yaml(&t));
            out
        }
        TemplateFormat::Json => {
            let mut j = serde_json::to_string_pretty(&to_json(&t)).unwrap_or_default();
            j.push('\n');
            j
        }
    }
}
