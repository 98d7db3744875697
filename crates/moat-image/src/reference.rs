//! Image references (`registry/repository:tag@digest`), the loopback rule for plain HTTP, and
//! recognising an Amazon ECR private registry by its host name.

use crate::error::ImageError;
use oci_client::Reference;
use std::fmt;
use std::str::FromStr;

/// A parsed image reference, e.g. `nginx:1.27`, `public.ecr.aws/docker/library/nginx:1.27`,
/// `127.0.0.1:5000/app@sha256:…`. Docker Hub short names are expanded (`nginx` is
/// `docker.io/library/nginx:latest`) as docker does.
#[derive(Debug, Clone)]
pub struct ImageRef {
    pub(crate) inner: Reference,
    /// Whether a tag or digest was written (`nginx` means `nginx:latest`, but a copy's
    /// destination written without a tag takes the source's).
    pub(crate) explicit: bool,
}

impl FromStr for ImageRef {
    type Err = ImageError;

    fn from_str(s: &str) -> Result<Self, ImageError> {
        let inner = Reference::from_str(s.trim()).map_err(|e| ImageError::BadReference {
            input: s.to_string(),
            reason: e.to_string(),
        })?;
        let last = s.trim().rsplit('/').next().unwrap_or_default();
        Ok(ImageRef {
            inner,
            explicit: last.contains(':') || last.contains('@'),
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.whole())
    }
}

impl ImageRef {
    /// The host (and port) requests go to: `index.docker.io` for Docker Hub.
    pub fn registry(&self) -> &str {
        self.inner.resolve_registry()
    }

    /// The repository path inside the registry, e.g. `library/nginx`.
    pub fn repository(&self) -> &str {
        self.inner.repository()
    }

    pub fn tag(&self) -> Option<&str> {
        self.inner.tag()
    }

    pub fn digest(&self) -> Option<&str> {
        self.inner.digest()
    }

    /// The same repository, pinned to `digest` (no tag).
    pub fn with_digest(&self, digest: &str) -> ImageRef {
        ImageRef {
            inner: Reference::with_digest(
                self.inner.registry().to_string(),
                self.inner.repository().to_string(),
                digest.to_string(),
            ),
            explicit: true,
        }
    }

    /// The same repository with `tag` (no digest).
    pub fn with_tag(&self, tag: &str) -> ImageRef {
        ImageRef {
            inner: Reference::with_tag(
                self.inner.registry().to_string(),
                self.inner.repository().to_string(),
                tag.to_string(),
            ),
            explicit: true,
        }
    }

    /// A registry on this machine is spoken to over plain HTTP, as docker and crane do for
    /// `localhost` and the loopback range: there is no network in between to protect.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.registry())
    }

    /// The Amazon ECR private registry this reference points into, if its host has the form
    /// `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China, `dkr.ecr-fips` for
    /// FIPS endpoints). Source:
    /// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html>
    pub fn ecr_registry(&self) -> Option<EcrRegistry> {
        parse_ecr_host(self.registry())
    }
}

/// An Amazon ECR private registry: one per account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrRegistry {
    pub account_id: String,
    pub region: String,
}

pub(crate) fn is_loopback_host(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        // [::1]:5000
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => registry.rsplit_once(':').map_or(registry, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                registry
            }
        }),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn parse_ecr_host(host: &str) -> Option<EcrRegistry> {
    let host = host.to_ascii_lowercase();
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (account, rest) = rest.split_once('.')?;
    let region = rest
        .strip_prefix("dkr.ecr.")
        .or_else(|| rest.strip_prefix("dkr.ecr-fips."))?;
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (account_ok && region_ok).then(|| EcrRegistry {
        account_id: account.to_string(),
        region: region.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> ImageRef {
        s.parse().unwrap()
    }

    #[test]
    fn docker_hub_short_names_expand() {
        let i = r("nginx");
        assert_eq!(i.registry(), "index.docker.io");
        assert_eq!(i.repository(), "library/nginx");
        assert_eq!(i.tag(), Some("latest"));
    }

    #[test]
    fn loopback_hosts_are_plain_http() {
        assert!(r("localhost:5000/a:b").is_loopback());
        assert!(r("127.0.0.1:5000/a:b").is_loopback());
        assert!(r("127.3.4.5:80/a").is_loopback());
        assert!(is_loopback_host("[::1]:5000"));
        assert!(!r("public.ecr.aws/docker/library/nginx:1").is_loopback());
        assert!(!r("10.0.0.1:5000/a").is_loopback());
        assert!(!r("localhost.example.com/a").is_loopback());
    }

    #[test]
    fn ecr_hosts_are_recognised() {
        assert_eq!(
            r("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1").ecr_registry(),
            Some(EcrRegistry {
                account_id: "123456789012".into(),
                region: "eu-west-1".into()
            })
        );
        assert_eq!(
            r("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1")
                .ecr_registry()
                .map(|e| e.region),
            Some("cn-north-1".into())
        );
        assert_eq!(r("public.ecr.aws/a/b:1").ecr_registry(), None);
        assert_eq!(
            r("12345.dkr.ecr.us-east-1.amazonaws.com/a").ecr_registry(),
            None
        );
    }

    #[test]
    fn bad_references_say_why() {
        let e = "UPPER/Case:tag".parse::<ImageRef>().unwrap_err();
        assert!(e.to_string().contains("UPPER/Case:tag"), "{e}");
    }
}
