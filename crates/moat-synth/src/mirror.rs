//! Public images a spec mirrors (`mirror = true`): the synthesized task definitions name the
//! private ECR copies, and the plan lists each copy and the command that makes it.

use crate::plan::Plan;
use moat_spec::ImageMirror;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// One copy the deployment needs before its services can start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCopy {
    pub service: String,
    pub container: String,
    /// The public image, as the task definition names it.
    pub source: String,
    /// The ECR repository (made by the copy when missing: scan on push, immutable tags).
    pub repository: String,
    /// The image the synthesized task definition names.
    pub target: String,
    /// The command that makes the copy.
    pub command: String,
    /// `latest` or no tag: upstream moves it, the copy is a snapshot.
    pub moving_tag: bool,
}

pub(crate) fn planned_copies(mirrors: &[ImageMirror]) -> Vec<PlannedCopy> {
    mirrors
        .iter()
        .map(|m| PlannedCopy {
            service: m.service.clone(),
            container: m.container.clone(),
            source: m.source.clone(),
            repository: m.repository.clone(),
            target: m.target.clone(),
            command: m.copy_command(),
            moving_tag: m.moving_tag(),
        })
        .collect()
}

/// Point `service`'s containers in the task definition JSON at their ECR copies (the spec
/// already did so in its model; the template is built from the JSON file).
pub(crate) fn point_at_copies(mut json: Value, service: &str, mirrors: &[ImageMirror]) -> Value {
    let Some(containers) = json
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
    else {
        return json;
    };
    for c in containers {
        let name = c.get("name").and_then(Value::as_str).map(str::to_string);
        let Some(m) = mirrors
            .iter()
            .find(|m| m.service == service && Some(&m.container) == name.as_ref())
        else {
            continue;
        };
        if let Some(image) = c.get_mut("image") {
            *image = Value::String(m.target.clone());
        }
    }
    json
}

/// The plan's section on mirrored images (nothing when there are none).
pub(crate) fn render_copies(o: &mut String, plan: &Plan) {
    if plan.image_copies.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\nImages copied into private ECR (mirror = true); run each copy before deploying:"
    );
    let mut done: Vec<&str> = Vec::new();
    for c in &plan.image_copies {
        let _ = writeln!(
            o,
            "  {}/{}: {} -> {}",
            c.service, c.container, c.source, c.target
        );
        if done.contains(&c.target.as_str()) {
            continue;
        }
        done.push(&c.target);
        let _ = writeln!(
            o,
            "    {}   (every platform; creates repository {} with scan on push and immutable tags)",
            c.command, c.repository
        );
        if c.moving_tag {
            let _ = writeln!(
                o,
                "    note: `{}` is a moving tag: the copy is a snapshot, and the repository's \
                 immutable tags refuse a newer one under the same tag; pin a version",
                c.source
            );
        }
    }
}
