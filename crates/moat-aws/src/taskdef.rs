//! A registered task definition as `aws ecs describe-task-definition` prints it, for `moat init
//! --from-task-definition`.
//!
//! The ECS API answers in JSON (`{"taskDefinition": {…}, "tags": […]}`, camelCase), the very
//! shape `moat_spec` reads. The response body is kept as sent, through an interceptor, instead
//! of being rebuilt field by field from the SDK's types: a task definition has about a hundred
//! fields, and a hand-made copy would drop the ones it forgot.

use crate::error::{sdk, AwsError};
use crate::Aws;
use aws_sdk_ecs::types::TaskDefinitionField;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex};

/// Keeps the response body of the call it is attached to.
#[derive(Debug, Clone, Default)]
struct KeepBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for KeepBody {
    fn name(&self) -> &'static str {
        "moat::KeepBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(bytes), Ok(mut slot)) = (context.response().body().bytes(), self.0.lock()) {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// `ecs:DescribeTaskDefinition` of `task_definition` (a family, `family:revision` or an ARN),
/// with its tags, as the JSON text the API returned.
pub async fn describe_task_definition_json(
    aws: &Aws,
    task_definition: &str,
) -> Result<String, AwsError> {
    let keep = KeepBody::default();
    aws.ecs
        .describe_task_definition()
        .task_definition(task_definition)
        .include(TaskDefinitionField::Tags)
        .customize()
        .interceptor(keep.clone())
        .send()
        .await
        .map_err(|e| sdk("ecs:DescribeTaskDefinition", e))?;
    let body = keep.0.lock().ok().and_then(|mut b| b.take());
    body.and_then(|b| String::from_utf8(b).ok())
        .ok_or(AwsError::Missing {
            operation: "ecs:DescribeTaskDefinition",
            what: "response body",
        })
}
