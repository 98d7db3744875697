//! One side of a copy: a repository on a registry, the credentials for it, and the OCI
//! distribution calls moat makes there (through `oci-client`), each error turned into a
//! one-line [`ImageError`].

use crate::error::{At, ImageError};
use crate::manifest::{self, ACCEPTED};
use crate::reference::ImageRef;
use bytes::Bytes;
use futures_util::Stream;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};
use std::sync::Once;
use std::time::Duration;

/// How to authenticate to a registry.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No credentials; a registry that hands out anonymous bearer tokens (Docker Hub,
    /// public.ecr.aws, ghcr.io, quay.io) is still asked for one.
    #[default]
    Anonymous,
    /// HTTP basic credentials, sent as such to a registry that asks for basic auth and traded
    /// for a bearer token at a registry that asks for a token. Amazon ECR's
    /// `GetAuthorizationToken` yields basic credentials for the user `AWS`.
    Basic { username: String, password: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
        }
    }
}

impl Credentials {
    fn to_auth(&self) -> RegistryAuth {
        match self {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { username, password } => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
        }
    }
}

/// A repository on a registry, with a client logged in to it.
pub(crate) struct Endpoint {
    client: Client,
    pub(crate) image: ImageRef,
    auth: RegistryAuth,
}

/// rustls needs a process-wide crypto provider when reqwest is built without one; ring is
/// the one moat-aws uses too (no C toolchain needed for aws-lc).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Endpoint {
    pub(crate) fn new(image: &ImageRef, credentials: &Credentials) -> Endpoint {
        install_crypto_provider();
        let registry = image.registry().to_string();
        let protocol = if image.is_loopback() {
            ClientProtocol::HttpsExcept(vec![registry])
        } else {
            ClientProtocol::Https
        };
        let config = ClientConfig {
            protocol,
            // One PUT per blob with its length, streamed: no 5 MiB-chunk PATCH round trips
            // and no blob held in memory. Amazon ECR also mishandles multi-PATCH chunked
            // uploads (answers 201 and drops later chunks:
            // https://github.com/aws/containers-roadmap/issues/2831).
            use_monolithic_push: true,
            connect_timeout: Some(Duration::from_secs(15)),
            read_timeout: Some(Duration::from_secs(120)),
            platform_resolver: None,
            ..ClientConfig::default()
        };
        Endpoint {
            client: Client::new(config),
            image: image.clone(),
            auth: credentials.to_auth(),
        }
    }

    fn err(&self, what: &ImageRef, e: OciDistributionError) -> ImageError {
        let image = what.to_string();
        At {
            registry: self.image.registry(),
            image: &image,
        }
        .error(e)
    }

    /// Log in for `op` now, so a refused credential is reported as such (oci-client would
    /// otherwise go on anonymously and fail later with a less telling error).
    pub(crate) async fn login(&self, op: RegistryOperation) -> Result<(), ImageError> {
        self.client
            .auth(&self.image.inner, &self.auth, op)
            .await
            .map(|_| ())
            .map_err(|e| self.err(&self.image, e))
    }

    /// A manifest's bytes and digest; the digest is checked against the bytes, and against
    /// the reference's digest when it has one.
    pub(crate) async fn manifest(&self, at: &ImageRef) -> Result<(Bytes, String), ImageError> {
        let (bytes, digest) = self
            .client
            .pull_manifest_raw(&at.inner, &self.auth, ACCEPTED)
            .await
            .map_err(|e| self.err(at, e))?;
        let actual = manifest::sha256_digest(&bytes);
        let expected = at.digest().unwrap_or(&digest);
        if expected.starts_with("sha256:") && actual != expected {
            return Err(ImageError::DigestMismatch {
                what: format!("manifest {at}"),
                detail: format!("expected {expected}, got {actual}"),
            });
        }
        Ok((bytes, actual))
    }

    /// The digest a tag (or digest) currently resolves to at this registry, `None` if absent.
    pub(crate) async fn manifest_digest(
        &self,
        at: &ImageRef,
    ) -> Result<Option<String>, ImageError> {
        match self
            .client
            .fetch_manifest_digest(&at.inner, &self.auth)
            .await
        {
            Ok(d) => Ok(Some(d)),
            Err(e) => match self.err(at, e) {
                ImageError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    pub(crate) async fn blob_exists(&self, digest: &str) -> Result<bool, ImageError> {
        self.client
            .blob_exists(&self.image.inner, digest)
            .await
            .map_err(|e| self.err(&self.image, e))
    }

    /// Ask the registry to link a blob it already holds in `from` into this repository
    /// (cross-repository mount): nothing is uploaded. `false` when the registry declines
    /// (it then answers 202 and opens an upload instead, which moat does not use).
    pub(crate) async fn mount(&self, digest: &str, from: &ImageRef) -> bool {
        self.client
            .mount_blob(&self.image.inner, &from.inner, digest)
            .await
            .is_ok()
    }

    /// A blob's bytes as a stream whose digest is verified as it ends (oci-client's verifying
    /// stream fails the last read on a mismatch).
    pub(crate) async fn blob_stream(
        &self,
        digest: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, ImageError>
    {
        let sized = self
            .client
            .pull_blob_stream(&self.image.inner, digest)
            .await
            .map_err(|e| self.err(&self.image, e))?;
        Ok(sized.stream)
    }

    /// Upload a blob of `size` bytes from a stream in one PUT; the registry checks the digest.
    pub(crate) async fn upload<S>(&self, digest: &str, size: u64, data: S) -> Result<(), ImageError>
    where
        S: Stream<Item = Result<Bytes, OciDistributionError>> + Send + 'static,
    {
        self.client
            .push_blob_stream(&self.image.inner, data, digest, Some(size))
            .await
            .map(|_| ())
            .map_err(|e| self.err(&self.image, e))
    }

    /// Upload a small blob held in memory.
    pub(crate) async fn upload_bytes(&self, digest: &str, data: Bytes) -> Result<(), ImageError> {
        self.client
            .push_blob(&self.image.inner, data, digest)
            .await
            .map(|_| ())
            .map_err(|e| self.err(&self.image, e))
    }

    /// Put a manifest's exact bytes under `at` (a tag or its digest).
    pub(crate) async fn push_manifest(
        &self,
        at: &ImageRef,
        bytes: Bytes,
        media_type: &str,
    ) -> Result<(), ImageError> {
        let content_type = media_type.parse().map_err(|_| ImageError::Unsupported {
            image: at.to_string(),
            detail: format!("media type `{media_type}` is not a valid header value"),
        })?;
        self.client
            .push_manifest_raw(&at.inner, bytes, content_type)
            .await
            .map(|_| ())
            .map_err(|e| self.err(at, e))
    }

    /// A reference in this repository, pinned to `digest`.
    pub(crate) fn at_digest(&self, digest: &str) -> ImageRef {
        self.image.with_digest(digest)
    }
}
