//! moat against a live AWS account: deploy a synthesized CloudFormation template through a
//! change set, show what a change would do (`diff`), read a VPC back into a
//! [`moat_model::Model`] so the same rules that judge a template judge the account (`audit`),
//! and delete a stack (`destroy`).
//!
//! This is the only crate that talks to AWS. Everything is async (tokio); callers that are not
//! async build a runtime (see `moat`'s `commands/aws.rs`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), moat_aws::AwsError> {
//! use moat_aws::{connect, audit, AuditTarget, AwsOptions};
//! let aws = connect(&AwsOptions {
//!     region: Some("us-east-1".into()),
//!     profile: None,
//!     endpoint_url: Some("http://127.0.0.1:5000".into()), // e.g. a local moto_server
//! })
//! .await?;
//! let (model, notes) = audit(&aws, &AuditTarget::Vpc("vpc-0123".into())).await?;
//! let findings = moat_verify_like_check(&model);
//! # fn moat_verify_like_check(_: &moat_model::Model) {}
//! # let _ = (notes, findings);
//! # Ok(()) }
//! ```
//!
//! Credentials and region come from the default chain (environment, `AWS_PROFILE`, shared
//! config, SSO, container and instance roles); `AWS_ENDPOINT_URL` is honoured, and
//! [`AwsOptions::endpoint_url`] overrides it. Throttled calls are retried by the SDK's standard
//! retry mode with up to 5 attempts.

mod audit;
mod ecr;
mod error;
mod map_dns;
mod map_ec2;
mod map_svc;
mod prefix_lists;
pub mod present;
mod read_dns;
mod stack;
mod taskdef;

pub use audit::{audit, AuditTarget};
pub use ecr::{
    describe_image, ecr_login, ensure_repository, repository_settings, EcrImage, EcrLogin,
    RepositoryOutcome,
};
pub use error::AwsError;
pub use map_dns::*;
pub use map_ec2::*;
pub use map_svc::*;
pub use prefix_lists::{managed_prefix_list, named_prefix_list_ids, prefix_lists_by_id};
pub use stack::{
    create_change_set, create_change_set_with, current_template, delete_change_set, destroy,
    execute_and_wait, execute_change_set, stack_log_groups, stack_status, wait_stack, Change,
    ChangeAction, ChangeSetOutcome, ChangeSetSummary, DestroyReport, ParameterValue, Replacement,
    StackEvent, StackOutcome, StackState,
};
pub use taskdef::describe_task_definition_json;

/// The EC2 SDK, for callers (and tests) that build requests with its types, such as setting up
/// a VPC the way a network team would before `moat plan` reads it.
pub use aws_sdk_ec2;
/// The Route 53 Resolver SDK, for tests that build its shapes to feed [`map_resolver`].
pub use aws_sdk_route53resolver;

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Region; else `AWS_REGION` / the profile's region.
    pub region: Option<String>,
    /// Named profile; else `AWS_PROFILE` / `default`.
    pub profile: Option<String>,
    /// Endpoint for every service (a local emulator); else `AWS_ENDPOINT_URL` if set.
    pub endpoint_url: Option<String>,
}

/// Connected service clients.
#[derive(Debug, Clone)]
pub struct Aws {
    pub cfn: aws_sdk_cloudformation::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
    /// Amazon ECR: registry logins and repositories for `moat image copy`.
    pub ecr: aws_sdk_ecr::Client,
    /// Route 53 Resolver: DNS Firewall and query logging, for `moat audit`.
    pub resolver: aws_sdk_route53resolver::Client,
    /// The region the clients use.
    pub region: Option<String>,
    /// How often waits poll CloudFormation (5 s by default; tests against an emulator lower it).
    pub poll_interval: std::time::Duration,
}

/// Standard retry mode retries throttling and transient errors with exponential backoff.
/// Source: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
const MAX_ATTEMPTS: u32 = 5;

/// Build the clients from the default credential chain plus `opts`.
pub async fn connect(opts: &AwsOptions) -> Result<Aws, AwsError> {
    use aws_smithy_http_client::tls;
    // rustls with ring: no C toolchain needed for TLS.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let conf = loader.load().await;
    let region = conf.region().map(|r| r.to_string());
    if region.is_none() {
        return Err(AwsError::Setup(
            "no region: pass --region, set AWS_REGION, or set one in the profile".into(),
        ));
    }
    Ok(Aws {
        cfn: aws_sdk_cloudformation::Client::new(&conf),
        ec2: aws_sdk_ec2::Client::new(&conf),
        ecs: aws_sdk_ecs::Client::new(&conf),
        iam: aws_sdk_iam::Client::new(&conf),
        elb: aws_sdk_elasticloadbalancingv2::Client::new(&conf),
        logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
        sts: aws_sdk_sts::Client::new(&conf),
        ecr: aws_sdk_ecr::Client::new(&conf),
        resolver: aws_sdk_route53resolver::Client::new(&conf),
        region,
        poll_interval: std::time::Duration::from_secs(5),
    })
}

impl Aws {
    /// The caller's account id (`sts:GetCallerIdentity`).
    pub async fn account_id(&self) -> Result<String, AwsError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| error::sdk("sts:GetCallerIdentity", e))?;
        out.account.ok_or(AwsError::Missing {
            operation: "sts:GetCallerIdentity",
            what: "Account",
        })
    }
}
