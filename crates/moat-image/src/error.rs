//! One error type whose every message is a single line that names the registry or image and
//! says what went wrong, so the CLI can print it as is (exit status 2).

use oci_client::errors::{OciDistributionError, OciErrorCode};

/// Why a copy (or a push) could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The text is not an image reference.
    #[error("`{input}` is not an image reference: {reason}")]
    BadReference { input: String, reason: String },
    /// The registry has no such manifest (or repository).
    #[error("image {image} not found ({detail})")]
    NotFound { image: String, detail: String },
    /// The registry refused the credentials (or asked for some and none were given).
    #[error("authentication to {registry} failed for {image} ({detail})")]
    Unauthorized {
        registry: String,
        image: String,
        detail: String,
    },
    /// No answer from the registry: connection refused, DNS, TLS, timeout.
    #[error("cannot reach registry {registry}: {detail}")]
    Unreachable { registry: String, detail: String },
    /// Content whose digest is not the one its descriptor names.
    #[error("digest mismatch for {what}: {detail}")]
    DigestMismatch { what: String, detail: String },
    /// A manifest moat cannot copy (e.g. Docker schema 1).
    #[error("{image}: {detail}")]
    Unsupported { image: String, detail: String },
    /// `--platform` named no platform of the index.
    #[error("{image} has no platform {wanted} (it has: {available})")]
    NoSuchPlatform {
        image: String,
        wanted: String,
        available: String,
    },
    /// Any other answer from the registry.
    #[error("registry {registry}: {detail}")]
    Registry { registry: String, detail: String },
    /// The copy stopped on purpose after N uploads (a test hook for resuming).
    #[error("copy interrupted after {uploads} blob upload(s) as asked; run it again to resume")]
    Interrupted { uploads: usize },
}

/// Where an error happened, to turn the crate's error into one of ours.
pub(crate) struct At<'a> {
    pub registry: &'a str,
    pub image: &'a str,
}

impl At<'_> {
    /// Classify an `oci-client` error: not found, auth, unreachable, or a registry message.
    pub(crate) fn error(&self, e: OciDistributionError) -> ImageError {
        let registry = self.registry.to_string();
        let image = self.image.to_string();
        match e {
            OciDistributionError::ImageManifestNotFoundError(d) => ImageError::NotFound {
                image,
                detail: one_line(&d),
            },
            OciDistributionError::AuthenticationFailure(d) => ImageError::Unauthorized {
                registry,
                image,
                detail: one_line(&d),
            },
            OciDistributionError::UnauthorizedError { .. } => ImageError::Unauthorized {
                registry,
                image,
                detail: "HTTP 401: the credentials were refused, or none were given".into(),
            },
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                let detail = one_line(
                    &envelope
                        .errors
                        .iter()
                        .map(|e| format!("{:?}: {}", e.code, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    ImageError::NotFound { image, detail }
                } else if codes.contains(&&OciErrorCode::DigestInvalid) {
                    // The registry hashed what it received and it is not what was named.
                    ImageError::DigestMismatch {
                        what: format!("an upload to {registry}"),
                        detail,
                    }
                } else if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    ImageError::Unauthorized {
                        registry,
                        image,
                        detail,
                    }
                } else {
                    ImageError::Registry { registry, detail }
                }
            }
            OciDistributionError::ServerError { code, message, .. } => {
                self.status_error(code, &one_line(&message))
            }
            OciDistributionError::RequestError(e) => self.request_error(&e),
            OciDistributionError::DigestError(d) => ImageError::DigestMismatch {
                what: image,
                detail: one_line(&d.to_string()),
            },
            OciDistributionError::IoError(e) => {
                // A verifying stream reports a digest mismatch as an I/O error.
                ImageError::Registry {
                    registry,
                    detail: one_line(&e.to_string()),
                }
            }
            other => ImageError::Registry {
                registry,
                detail: one_line(&other.to_string()),
            },
        }
    }

    /// An HTTP status outside the OCI error envelope.
    pub(crate) fn status_error(&self, code: u16, message: &str) -> ImageError {
        let registry = self.registry.to_string();
        let image = self.image.to_string();
        let detail = if message.is_empty() {
            format!("HTTP {code}")
        } else {
            format!("HTTP {code}: {message}")
        };
        match code {
            401 | 403 => ImageError::Unauthorized {
                registry,
                image,
                detail: format!("{detail}: the credentials were refused, or none were given"),
            },
            404 => ImageError::NotFound { image, detail },
            _ => ImageError::Registry { registry, detail },
        }
    }

    fn request_error(&self, e: &reqwest::Error) -> ImageError {
        if let Some(status) = e.status() {
            return self.status_error(status.as_u16(), "");
        }
        ImageError::Unreachable {
            registry: self.registry.to_string(),
            detail: one_line(&error_chain(e)),
        }
    }
}

/// The innermost causes say why ("tcp connect error: Connection refused"); the outer ones
/// repeat the URL and the client's layers.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    let keep = parts.len().saturating_sub(2);
    parts[keep..].join(": ")
}

/// Registry messages can span lines (HTML error pages); the CLI prints one line.
pub(crate) fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().take(300).collect();
        format!("{cut}…")
    } else {
        joined
    }
}
