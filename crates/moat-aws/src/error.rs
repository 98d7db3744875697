//! Errors of the AWS layer. Every variant names the API operation it came from, so a user can
//! tell which permission or call failed.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An error talking to AWS.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The caller's credentials lack a permission (`AccessDenied`, `UnauthorizedOperation`, …).
    #[error("access denied for {action}: {message} (grant the caller the `{action}` permission)")]
    Denied { action: String, message: String },
    /// Any other service or transport error.
    #[error("{operation} failed: {message}")]
    Api { operation: String, message: String },
    /// A response lacked something the API documents as always present.
    #[error("{operation}: the response has no {what}")]
    Missing {
        operation: &'static str,
        what: &'static str,
    },
    /// The stack does not exist.
    #[error("stack `{0}` does not exist")]
    NoStack(String),
    /// Setting up the client (credentials, region, endpoint) failed.
    #[error("AWS client setup: {0}")]
    Setup(String),
    /// Waiting for a stack or change set took longer than allowed.
    #[error("timed out after {seconds}s waiting for {what}")]
    Timeout { what: String, seconds: u64 },
}

/// Error codes that mean "missing permission". EC2 says `UnauthorizedOperation`, most others
/// `AccessDenied`/`AccessDeniedException`.
/// Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
];

/// Turn an SDK error into an [`AwsError`] naming `action` (IAM action, e.g. `ec2:DescribeVpcs`).
pub fn sdk<E, R>(
    action: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().map(str::to_string);
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| display_chain(&e));
    match code {
        Some(c) if DENIED_CODES.contains(&c.as_str()) => AwsError::Denied {
            action: action.to_string(),
            message,
        },
        Some(c) => AwsError::Api {
            operation: action.to_string(),
            message: format!("{c}: {message}"),
        },
        None => AwsError::Api {
            operation: action.to_string(),
            message,
        },
    }
}

/// The error and its sources, joined: the SDK's top-level message ("dispatch failure") alone
/// does not say what went wrong.
fn display_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The SDK error's code, if the service sent one (`ValidationError`, …).
pub fn code_of<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    e.code().map(str::to_string)
}

/// The service's message, if any.
pub fn message_of<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata,
{
    e.message().unwrap_or_default().to_string()
}
