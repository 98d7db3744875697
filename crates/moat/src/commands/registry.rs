//! Registry plumbing shared by `moat image copy` and `moat deploy`:
//!
//! - logging in to an Amazon ECR private registry from the AWS credential chain
//!   (`GetAuthorizationToken` through moat-aws), and creating a destination repository that is
//!   missing (scan on push, immutable tags);
//! - `MOAT_REGISTRY_ENDPOINTS`, which sends one registry's traffic to another address while the
//!   image keeps its name, as `AWS_ENDPOINT_URL` does for the AWS APIs: a registry emulator, or
//!   the local registries the tests start (moto emulates ECR's API but not its registry).

use anyhow::{bail, Result};
use moat_image::ImageRef;

/// `registry=host:port[,registry=host:port…]`, e.g.
/// `123456789012.dkr.ecr.us-east-1.amazonaws.com=127.0.0.1:5000`.
pub const ENDPOINTS_VAR: &str = "MOAT_REGISTRY_ENDPOINTS";

/// Where each overridden registry's traffic goes.
#[derive(Debug, Default, Clone)]
pub struct Routes(Vec<(String, String)>);

impl Routes {
    /// Read [`ENDPOINTS_VAR`]; unset means no overrides.
    pub fn from_env() -> Result<Routes> {
        match std::env::var(ENDPOINTS_VAR) {
            Ok(v) => Routes::parse(&v),
            Err(_) => Ok(Routes::default()),
        }
    }

    fn parse(text: &str) -> Result<Routes> {
        let mut routes = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((from, to)) = item.split_once('=') else {
                bail!("{ENDPOINTS_VAR}: `{item}` is not REGISTRY=HOST:PORT");
            };
            let (from, to) = (from.trim().to_ascii_lowercase(), to.trim().to_string());
            if from.is_empty() || to.is_empty() || to.contains('/') {
                bail!("{ENDPOINTS_VAR}: `{item}` is not REGISTRY=HOST:PORT");
            }
            // Docker Hub is written `docker.io` and reached at `index.docker.io`.
            let from = if from == "docker.io" {
                "index.docker.io".to_string()
            } else {
                from
            };
            routes.push((from, to));
        }
        Ok(Routes(routes))
    }

    /// The image at the address its registry is routed to (itself when not routed).
    pub fn route(&self, image: &ImageRef) -> Result<ImageRef> {
        let registry = image.registry().to_ascii_lowercase();
        let Some((_, to)) = self.0.iter().find(|(from, _)| *from == registry) else {
            return Ok(image.clone());
        };
        let mut routed = format!("{to}/{}", image.repository());
        if let Some(tag) = image.tag() {
            routed.push(':');
            routed.push_str(tag);
        }
        if let Some(digest) = image.digest() {
            routed.push('@');
            routed.push_str(digest);
        }
        Ok(routed.parse()?)
    }
}

#[cfg(feature = "aws")]
pub use ecr::*;

#[cfg(feature = "aws")]
mod ecr {
    use anyhow::{Context, Result};
    use moat_aws::{Aws, AwsOptions, RepositoryOutcome};
    use moat_image::{Credentials, EcrRegistry};

    /// Connect to the AWS APIs of an ECR registry's region, from the default credential chain
    /// (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, … are honoured).
    pub async fn connect(registry: &EcrRegistry) -> Result<Aws> {
        Ok(moat_aws::connect(&AwsOptions {
            region: Some(registry.region.clone()),
            profile: None,
            endpoint_url: None,
        })
        .await?)
    }

    /// Registry credentials for `registry` (user `AWS`, a 12-hour password) from
    /// `GetAuthorizationToken`.
    pub async fn login(aws: &Aws, registry: &EcrRegistry) -> Result<Credentials> {
        let login = moat_aws::ecr_login(aws, Some(&registry.account_id))
            .await
            .with_context(|| {
                format!(
                    "logging in to the ECR registry of account {} in {}",
                    registry.account_id, registry.region
                )
            })?;
        Ok(Credentials::Basic {
            username: login.username,
            password: login.password,
        })
    }

    /// Create `repository` in `registry` when it is missing (scan on push, immutable tags);
    /// says so on stderr when it made one.
    pub async fn ensure_repository(
        aws: &Aws,
        registry: &EcrRegistry,
        repository: &str,
    ) -> Result<RepositoryOutcome> {
        let outcome = moat_aws::ensure_repository(aws, repository, Some(&registry.account_id))
            .await
            .with_context(|| format!("making sure ECR repository {repository} exists"))?;
        if outcome == RepositoryOutcome::Created {
            eprintln!(
                "created ECR repository {repository} (scan on push, immutable tags) in account {} {}",
                registry.account_id, registry.region
            );
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(s: &str) -> ImageRef {
        s.parse().unwrap()
    }

    #[test]
    fn routed_images_keep_repository_tag_and_digest() {
        let routes = Routes::parse(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com=127.0.0.1:5000, docker.io=127.0.0.1:5001",
        )
        .unwrap();
        let ecr = image("123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/nginx:1.27");
        assert_eq!(
            routes.route(&ecr).unwrap().to_string(),
            "127.0.0.1:5000/mirror/nginx:1.27"
        );
        let hub = image("nginx:1.27");
        assert_eq!(
            routes.route(&hub).unwrap().to_string(),
            "127.0.0.1:5001/library/nginx:1.27"
        );
        let other = image("quay.io/a/b:1");
        assert_eq!(routes.route(&other).unwrap().to_string(), "quay.io/a/b:1");
    }

    #[test]
    fn a_malformed_route_is_one_clear_error() {
        let e = Routes::parse("127.0.0.1:5000").unwrap_err().to_string();
        assert!(
            e.contains("MOAT_REGISTRY_ENDPOINTS") && e.contains("REGISTRY=HOST:PORT"),
            "{e}"
        );
        assert!(Routes::parse("a=b/c").is_err());
        assert!(Routes::parse("").unwrap().0.is_empty());
    }
}
