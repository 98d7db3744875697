//! Direct access to one repository: push blobs and manifests moat built itself (a test image,
//! the gateway's image) and read them back. The same calls `copy` uses.

use crate::endpoint::{Credentials, Endpoint};
use crate::error::ImageError;
use crate::manifest::{sha256_digest, Descriptor};
use crate::reference::ImageRef;
use bytes::Bytes;
use futures_util::TryStreamExt;
use oci_client::RegistryOperation;

/// A repository on a registry, logged in.
pub struct Repository {
    endpoint: Endpoint,
}

impl Repository {
    /// Log in to the repository `image` names (its tag or digest is ignored here).
    pub async fn open(
        image: &ImageRef,
        credentials: &Credentials,
        push: bool,
    ) -> Result<Repository, ImageError> {
        let endpoint = Endpoint::new(image, credentials);
        let op = if push {
            RegistryOperation::Push
        } else {
            RegistryOperation::Pull
        };
        endpoint.login(op).await?;
        Ok(Repository { endpoint })
    }

    /// Upload a blob unless the repository has it; returns its descriptor.
    pub async fn push_blob(
        &self,
        media_type: &str,
        data: impl Into<Bytes>,
    ) -> Result<Descriptor, ImageError> {
        let data = data.into();
        let digest = sha256_digest(&data);
        if !self.endpoint.blob_exists(&digest).await? {
            self.endpoint.upload_bytes(&digest, data.clone()).await?;
        }
        Ok(Descriptor {
            media_type: media_type.to_string(),
            digest,
            size: data.len() as u64,
            platform: None,
        })
    }

    /// Put a manifest's bytes under `tag` (or, with `None`, only under its digest); returns
    /// its digest.
    pub async fn push_manifest(
        &self,
        tag: Option<&str>,
        media_type: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<String, ImageError> {
        let bytes = bytes.into();
        let digest = sha256_digest(&bytes);
        let at = match tag {
            Some(t) => self.endpoint.image.with_tag(t),
            None => self.endpoint.at_digest(&digest),
        };
        self.endpoint.push_manifest(&at, bytes, media_type).await?;
        Ok(digest)
    }

    /// A manifest's bytes and digest (checked), by tag or `sha256:` digest.
    pub async fn manifest(&self, tag_or_digest: &str) -> Result<(Bytes, String), ImageError> {
        let at = if tag_or_digest.starts_with("sha256:") {
            self.endpoint.at_digest(tag_or_digest)
        } else {
            self.endpoint.image.with_tag(tag_or_digest)
        };
        self.endpoint.manifest(&at).await
    }

    /// A blob's bytes (checked against its digest).
    pub async fn blob(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let stream = self.endpoint.blob_stream(digest).await?;
        let chunks: Vec<Bytes> = stream
            .try_collect()
            .await
            .map_err(|e| ImageError::Registry {
                registry: self.endpoint.image.registry().to_string(),
                detail: e.to_string(),
            })?;
        Ok(chunks.concat())
    }
}
