//! The moat catalog: AWS services reachable through VPC endpoints, what each ECS feature needs
//! (endpoints, S3 objects, IAM actions), and prices — every fact with the AWS page it comes from.
//!
//! Synth and check both consult it, so the environment moat builds and the environment moat
//! judges agree by construction.
//!
//! ```
//! use moat_catalog::{classify_image, service, ImageRef};
//! use moat_model::EndpointKind;
//!
//! let img = classify_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1");
//! assert!(matches!(img, ImageRef::PrivateEcr { ref region, .. } if region == "us-east-1"));
//! assert!(matches!(classify_image("nginx"), ImageRef::Public { .. }));
//! assert_eq!(service("s3").map(|s| s.kind), Some(EndpointKind::Gateway));
//! ```
//!
//! [`task_needs`] turns a task definition into [`Requirement`]s (endpoint, S3 object, execution
//! or task role permission, each with a [`Reason`]) and [`Problem`]s (public images, images in
//! another region, unknown values). `docs/catalog.md` is generated from this data
//! (`cargo test -p moat-catalog` fails when it is stale; `UPDATE_DOCS=1` rewrites it).

pub mod calls;
pub mod dns;
pub mod docs;
pub mod image;
mod logs;
pub mod managed;
pub mod needs;
pub mod prices;
pub mod regions;
mod samples;
pub mod services;
pub mod sources;

pub use calls::{call_for, Call, CallKind, Caller, Interface, PolicyLayer, CALLS};
pub use image::{classify_image, ImageRef};
pub use managed::{managed_policy, ManagedPolicy, MANAGED_POLICIES};
pub use needs::{
    customer_key_needs, task_needs, Need, Problem, ProblemKind, Reason, Requirement, TaskNeeds,
    WorkloadContext,
};
pub use prices::{prices, PriceSheet, HOURS_PER_MONTH};
pub use services::{service, ServiceInfo, SERVICES};
