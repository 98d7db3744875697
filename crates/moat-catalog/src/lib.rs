//! The moat catalog: AWS services reachable through VPC endpoints, what each ECS feature needs
//! (endpoints, S3 objects, IAM actions), and prices — every fact with the AWS page it comes from.
//!
//! Synth and check both consult it, so the environment moat builds and the environment moat
//! judges agree by construction.
//!
//! (API skeleton: implemented in `services`, `image`, `needs`, `prices`.)

pub mod image;
pub mod needs;
pub mod prices;
pub mod services;

pub use image::{classify_image, ImageRef};
pub use needs::{task_needs, Need, Problem, ProblemKind, Reason, Requirement, TaskNeeds, WorkloadContext};
pub use prices::{prices, PriceSheet, HOURS_PER_MONTH};
pub use services::{service, ServiceInfo, SERVICES};
