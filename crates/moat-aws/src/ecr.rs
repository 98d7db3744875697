//! Amazon ECR for `moat image copy`: registry credentials from `GetAuthorizationToken`, and
//! the destination repository created when missing (scan on push, immutable tags), and whether an
//! image is there before `moat deploy` names it.

use crate::error::{self, AwsError};
use crate::Aws;
use aws_sdk_ecr::types::{ImageIdentifier, ImageScanningConfiguration, ImageTagMutability};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Basic-auth credentials for one ECR private registry.
#[derive(Clone)]
pub struct EcrLogin {
    /// Always `AWS` today; read from the token rather than assumed.
    pub username: String,
    pub password: String,
    /// `https://<account>.dkr.ecr.<region>.amazonaws.com`.
    pub proxy_endpoint: Option<String>,
}

impl std::fmt::Debug for EcrLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcrLogin")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("proxy_endpoint", &self.proxy_endpoint)
            .finish()
    }
}

/// Credentials for the ECR registry of `account_id` (the caller's when `None`), from the AWS
/// credential chain. The token is base64 of `user:password`, valid for 12 hours, and is what
/// `aws ecr get-login-password` prints the password part of.
/// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
/// and https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
pub async fn ecr_login(aws: &Aws, account_id: Option<&str>) -> Result<EcrLogin, AwsError> {
    const OP: &str = "ecr:GetAuthorizationToken";
    let mut call = aws.ecr.get_authorization_token();
    if let Some(id) = account_id {
        // Deprecated in the API but still honoured; the default is the caller's registry.
        #[allow(deprecated)]
        {
            call = call.registry_ids(id);
        }
    }
    let out = call.send().await.map_err(|e| error::sdk(OP, e))?;
    let data = out
        .authorization_data
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or(AwsError::Missing {
            operation: OP,
            what: "authorizationData",
        })?;
    let token = data.authorization_token.ok_or(AwsError::Missing {
        operation: OP,
        what: "authorizationToken",
    })?;
    let (username, password) = decode_token(&token).ok_or_else(|| AwsError::Api {
        operation: OP.into(),
        message: "the authorization token is not base64 of `user:password`".into(),
    })?;
    Ok(EcrLogin {
        username,
        password,
        proxy_endpoint: data.proxy_endpoint,
    })
}

fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = aws_smithy_types::base64::decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Whether [`ensure_repository`] found the repository or made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepositoryOutcome {
    Existed,
    Created,
}

/// Make sure the repository `name` exists in the caller's registry (or `account_id`'s). A new
/// one scans every image on push and has immutable tags, so a tag moat pinned cannot be
/// repointed later. An existing repository is left as it is.
/// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
/// (`imageTagMutability` defaults to MUTABLE; `imageScanningConfiguration.scanOnPush`).
pub async fn ensure_repository(
    aws: &Aws,
    name: &str,
    account_id: Option<&str>,
) -> Result<RepositoryOutcome, AwsError> {
    let mut describe = aws.ecr.describe_repositories().repository_names(name);
    if let Some(id) = account_id {
        describe = describe.registry_id(id);
    }
    match describe.send().await {
        Ok(_) => return Ok(RepositoryOutcome::Existed),
        Err(e) if e.code() == Some("RepositoryNotFoundException") => {}
        Err(e) => return Err(error::sdk("ecr:DescribeRepositories", e)),
    }
    let mut create = aws
        .ecr
        .create_repository()
        .repository_name(name)
        .image_tag_mutability(ImageTagMutability::Immutable)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(true)
                .build(),
        );
    if let Some(id) = account_id {
        create = create.registry_id(id);
    }
    match create.send().await {
        Ok(_) => Ok(RepositoryOutcome::Created),
        // Someone made it between our two calls: it exists, which is what we wanted.
        Err(e) if e.code() == Some("RepositoryAlreadyExistsException") => {
            Ok(RepositoryOutcome::Existed)
        }
        Err(e) => Err(error::sdk("ecr:CreateRepository", e)),
    }
}

/// The repository's settings, as `DescribeRepositories` reports them: (scan on push, tag
/// mutability). For tests and `moat deploy`'s summary.
pub async fn repository_settings(aws: &Aws, name: &str) -> Result<(bool, String), AwsError> {
    const OP: &str = "ecr:DescribeRepositories";
    let out = aws
        .ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
        .map_err(|e| error::sdk(OP, e))?;
    let repo = out
        .repositories
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or(AwsError::Missing {
            operation: OP,
            what: "repositories",
        })?;
    let scan = repo
        .image_scanning_configuration
        .map(|c| c.scan_on_push)
        .unwrap_or(false);
    let mutability = repo
        .image_tag_mutability
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    Ok((scan, mutability))
}

/// Whether an image is in a private ECR repository, as `DescribeImages` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcrImage {
    /// The image is there; its manifest digest.
    Present { digest: String },
    /// The repository is there, the tag or digest is not.
    NoSuchImage,
    /// The repository itself is missing.
    NoSuchRepository,
}

/// Look up `repository:tag` (or `repository@sha256:…` when `reference` starts with
/// `sha256:`) in `account_id`'s registry, without pulling anything.
/// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html
/// (`ImageNotFoundException`, `RepositoryNotFoundException`).
pub async fn describe_image(
    aws: &Aws,
    account_id: Option<&str>,
    repository: &str,
    reference: &str,
) -> Result<EcrImage, AwsError> {
    const OP: &str = "ecr:DescribeImages";
    let id = if reference.starts_with("sha256:") {
        ImageIdentifier::builder().image_digest(reference).build()
    } else {
        ImageIdentifier::builder().image_tag(reference).build()
    };
    let mut call = aws
        .ecr
        .describe_images()
        .repository_name(repository)
        .image_ids(id);
    if let Some(a) = account_id {
        call = call.registry_id(a);
    }
    match call.send().await {
        Ok(out) => Ok(out
            .image_details
            .unwrap_or_default()
            .into_iter()
            .find_map(|d| d.image_digest)
            .map_or(EcrImage::NoSuchImage, |digest| EcrImage::Present { digest })),
        Err(e) if e.code() == Some("ImageNotFoundException") => Ok(EcrImage::NoSuchImage),
        Err(e) if e.code() == Some("RepositoryNotFoundException") => Ok(EcrImage::NoSuchRepository),
        Err(e) => Err(error::sdk(OP, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_base64_user_colon_password() {
        // base64("AWS:pa:ss") — a password may itself contain ':'.
        let token = aws_smithy_types::base64::encode("AWS:pa:ss");
        assert_eq!(
            decode_token(&token),
            Some(("AWS".to_string(), "pa:ss".to_string()))
        );
        assert_eq!(decode_token("not base64!"), None);
        assert_eq!(
            decode_token(&aws_smithy_types::base64::encode("nocolon")),
            None
        );
    }
}
