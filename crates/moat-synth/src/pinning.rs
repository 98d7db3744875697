//! Image pinning: the egress gateway is the one task with a way out, so the image it runs must
//! be exactly the one reviewed. A tag (`:latest`, `:1.2`) can be pushed over; a digest
//! (`@sha256:…`) cannot. Source:
//! https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_image
//! (`repository-url/image@digest`), and ECR tag immutability:
//! https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html

use crate::plan::Plan;

/// Whether `image` names a digest (`…@sha256:<64 hex>`).
pub fn is_digest(image: &str) -> bool {
    image
        .rsplit_once("@sha256:")
        .is_some_and(|(_, hex)| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The plan's warning when the egress gateway image is referenced by tag.
pub fn note(plan: &Plan) -> Option<String> {
    let e = plan.egress.as_ref()?;
    if is_digest(&e.image) {
        return None;
    }
    Some(format!(
        "warning: the egress gateway image `{}` is referenced by tag, which can be pushed over; set `[egress] image` to `<repository>@sha256:<digest>` so the gateway runs exactly the image reviewed",
        e.image
    ))
}

#[cfg(test)]
mod tests {
    use super::is_digest;

    #[test]
    fn digests_and_tags() {
        let d = format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/moat-gate@sha256:{}",
            "a".repeat(64)
        );
        assert!(is_digest(&d));
        assert!(!is_digest(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/moat-gate:latest"
        ));
        assert!(!is_digest("repo@sha256:abc"));
    }
}
