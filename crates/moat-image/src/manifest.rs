//! What moat reads from a manifest: whether it is an index (a list of per-platform manifests)
//! or an image manifest (a config and layers), and the descriptors it points at. The bytes
//! themselves are copied unchanged so digests stay identical.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::fmt;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Every manifest kind moat copies, for the `Accept` header.
pub(crate) const ACCEPTED: &[&str] = &[OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// A content descriptor: what a manifest says about a blob or another manifest.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// `os/architecture[/variant]`, as an index names its manifests and `--platform` selects them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] | [os, arch, _] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: parts.get(2).map(|v| v.to_string()),
            }),
            _ => Err(format!(
                "`{s}` is not a platform (expected os/architecture[/variant], e.g. linux/arm64)"
            )),
        }
    }
}

impl Platform {
    /// `linux/arm64` selects `linux/arm64/v8` too: a filter without a variant takes any.
    pub fn selects(&self, candidate: &Platform) -> bool {
        self.os == candidate.os
            && self.architecture == candidate.architecture
            && (self.variant.is_none() || self.variant == candidate.variant)
    }
}

/// A manifest's structure.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// An image index (OCI) or manifest list (Docker): one manifest per platform.
    Index {
        media_type: String,
        manifests: Vec<Descriptor>,
    },
    /// An image manifest: a config blob and layer blobs.
    Image {
        media_type: String,
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
}

impl Parsed {
    pub fn media_type(&self) -> &str {
        match self {
            Parsed::Index { media_type, .. } | Parsed::Image { media_type, .. } => media_type,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema_version: Option<i64>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Read a manifest's kind and descriptors. A manifest that leaves `mediaType` out (OCI allows
/// that) is taken to be of the OCI type its fields show.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let raw: Raw =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest is not valid JSON: {e}"))?;
    if raw.schema_version != Some(2) {
        return Err(format!(
            "manifest schema version {} is not supported (only 2; Docker schema 1 images are \
             deprecated and must be re-pushed)",
            raw.schema_version
                .map_or_else(|| "missing".to_string(), |v| v.to_string())
        ));
    }
    match (raw.manifests, raw.config) {
        (Some(manifests), None) => Ok(Parsed::Index {
            media_type: raw.media_type.unwrap_or_else(|| OCI_INDEX.to_string()),
            manifests,
        }),
        (None, Some(config)) => Ok(Parsed::Image {
            media_type: raw.media_type.unwrap_or_else(|| OCI_MANIFEST.to_string()),
            config,
            layers: raw.layers.unwrap_or_default(),
        }),
        _ => Err("manifest is neither an image index nor an image manifest".into()),
    }
}

/// `sha256:<hex>` of some bytes: what a registry names content by.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The index's JSON with only the `keep` manifests: used when `--platform` selects several
/// (but not all) platforms. Its digest differs from the source index's, necessarily.
pub(crate) fn filter_index(bytes: &[u8], keep: &[Descriptor]) -> Result<Vec<u8>, String> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("index is not valid JSON: {e}"))?;
    let kept: Vec<&str> = keep.iter().map(|d| d.digest.as_str()).collect();
    if let Some(list) = value
        .get_mut("manifests")
        .and_then(serde_json::Value::as_array_mut)
    {
        list.retain(|m| {
            m.get("digest")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|d| kept.contains(&d))
        });
    }
    serde_json::to_vec(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_and_a_manifest_are_told_apart() {
        let index = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":3,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#;
        let Parsed::Index {
            media_type,
            manifests,
        } = parse(index).unwrap()
        else {
            panic!("not an index")
        };
        assert_eq!(media_type, OCI_INDEX);
        assert_eq!(
            manifests[0].platform.as_ref().unwrap().to_string(),
            "linux/arm64/v8"
        );
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:c","size":1},"layers":[{"digest":"sha256:l","size":2}]}"#;
        let Parsed::Image { layers, config, .. } = parse(image).unwrap() else {
            panic!("not an image")
        };
        assert_eq!((config.size, layers.len()), (1, 1));
    }

    #[test]
    fn schema_one_is_refused_with_a_reason() {
        let e = parse(br#"{"schemaVersion":1,"fsLayers":[]}"#).unwrap_err();
        assert!(e.contains("schema version 1"), "{e}");
    }

    #[test]
    fn a_platform_without_variant_selects_every_variant() {
        let want: Platform = "linux/arm64".parse().unwrap();
        assert!(want.selects(&"linux/arm64/v8".parse().unwrap()));
        assert!(!want.selects(&"linux/amd64".parse().unwrap()));
        let v7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(!v7.selects(&"linux/arm/v6".parse().unwrap()));
        assert!("linux".parse::<Platform>().is_err());
    }

    #[test]
    fn filtering_an_index_keeps_the_named_manifests() {
        let index = br#"{"schemaVersion":2,"manifests":[{"digest":"sha256:a","size":1},{"digest":"sha256:b","size":1}]}"#;
        let keep = vec![Descriptor {
            media_type: String::new(),
            digest: "sha256:b".into(),
            size: 1,
            platform: None,
        }];
        let out = filter_index(index, &keep).unwrap();
        let Parsed::Index { manifests, .. } = parse(&out).unwrap() else {
            panic!()
        };
        assert_eq!(manifests.len(), 1);
        assert_eq!(manifests[0].digest, "sha256:b");
    }
}
