//! moat-synth: a [`moat_spec::Spec`] → a [`Plan`] (subnets, endpoints with the reasons that
//! require them, least-privilege IAM and S3 gateway policy, monthly cost) → a deterministic
//! CloudFormation template for the isolated environment.
//!
//! ```no_run
//! use moat_synth::{plan, render_plan_text, synth, TemplateFormat};
//!
//! let spec = moat_spec::load(std::path::Path::new("examples/isolated-service")).unwrap();
//! let p = plan(&spec).unwrap();
//! print!("{}", render_plan_text(&p));
//! let yaml = synth(&p, TemplateFormat::Yaml);
//! assert!(!yaml.contains("AWS::EC2::InternetGateway"));
//! ```
//!
//! The template has no internet gateway, NAT, EIP or public IP; interface endpoints have
//! private DNS and an SG admitting TCP 443 only from the service SGs. Why each choice was made
//! is in the module that emits it (`template/network.rs` explains the S3 egress rule). The one
//! exception is the egress gateway a spec may ask for (`[egress]`, see [`egress`]): an internet
//! gateway routed from its own subnets only, where nothing but the gateway runs.

pub mod capacity;
pub mod cost;
pub mod dns;
pub mod egress;
pub mod existing_vpc;
mod mirror;
pub mod pinning;
pub mod plan;
pub mod render;
pub mod subnets;
pub mod taskdef;
pub mod template;
pub mod tree;

pub use mirror::PlannedCopy;
pub use plan::{
    plan, plan_with, Plan, PlanError, PlanOptions, PlanProblem, PlannedEndpoint, PolicyStatement,
    ServiceRole,
};
pub use render::render_plan_text;
pub use template::{synth, TemplateFormat};
