//! `mirror = true`: a public image is accepted and replaced by its copy in the environment's
//! private ECR; without it (or without `account_id`) the spec is refused where the problem is.

use std::path::{Path, PathBuf};

const TD: &str = r#"{
  "family": "web",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "essential": true},
    {"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:7"}
  ]
}
"#;

fn write_spec(dir: &Path, toml: &str) -> PathBuf {
    std::fs::write(dir.join("td.json"), TD).unwrap();
    let path = dir.join("moat.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

const HEAD: &str = "name = \"demo\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n";

#[test]
fn a_mirrored_service_names_the_ecr_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(
        dir.path(),
        &format!(
            "{HEAD}[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\nmirror = true\n"
        ),
    );
    let spec = moat_spec::load(&path).expect("loads");
    assert_eq!(spec.mirrors.len(), 1, "only the public image");
    let m = &spec.mirrors[0];
    assert_eq!(
        (m.service.as_str(), m.container.as_str(), m.source.as_str()),
        ("web", "web", "nginx:1.27")
    );
    assert_eq!(m.repository, "nginx");
    assert_eq!(
        m.target,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27"
    );
    assert_eq!(
        m.copy_command(),
        "moat image copy nginx:1.27 123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27"
    );
    let images: Vec<&str> = spec.services[0]
        .task_definition
        .containers
        .iter()
        .map(|c| c.image.known().unwrap().as_str())
        .collect();
    assert_eq!(
        images,
        [
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:7"
        ]
    );
}

#[test]
fn images_mirror_applies_to_every_service_unless_one_says_no() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(
        dir.path(),
        &format!("{HEAD}[images]\nmirror = true\n\n[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\n"),
    );
    let spec = moat_spec::load(&path).expect("loads");
    assert_eq!(spec.mirrors.len(), 1);

    let path = write_spec(
        dir.path(),
        &format!("{HEAD}[images]\nmirror = true\n\n[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\nmirror = false\n"),
    );
    let err = moat_spec::load(&path).unwrap_err().to_string();
    assert!(err.contains("td.json:"), "the public image's line: {err}");
    assert!(err.contains("public registry docker.io"), "{err}");
}

#[test]
fn without_mirror_a_public_image_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(
        dir.path(),
        &format!("{HEAD}[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\n"),
    );
    let err = moat_spec::load(&path).unwrap_err().to_string();
    assert!(err.contains("td.json:8:"), "{err}");
    assert!(
        err.contains("or: set `mirror = true` on the service"),
        "{err}"
    );
}

#[test]
fn mirror_without_account_id_points_at_the_mirror_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(
        dir.path(),
        "name = \"demo\"\nregion = \"us-east-1\"\n[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\nmirror = true\n",
    );
    let err = moat_spec::load(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("moat.toml:6:10: mirror = true needs `account_id`: the copies live in <account_id>.dkr.ecr.<region>.amazonaws.com, which the task definition must name"),
        "{err}"
    );
}

#[test]
fn an_unknown_images_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(dir.path(), &format!("{HEAD}[images]\nmirrors = true\n"));
    let err = moat_spec::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("moat.toml:5:1") && err.contains("mirrors"),
        "{err}"
    );
}

#[test]
fn pinning_names_the_copy_by_digest_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_spec(
        dir.path(),
        &format!(
            "{HEAD}[[service]]\nname = \"web\"\ntask_definition = \"td.json\"\nmirror = true\n"
        ),
    );
    let mut spec = moat_spec::load(&path).expect("loads");
    let target = spec.mirrors[0].target.clone();
    let pinned = format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx@sha256:{}",
        "b".repeat(64)
    );
    spec.pin_mirrors(&[(target, pinned.clone())]);
    assert_eq!(spec.mirrors[0].target, pinned);
    let image = spec.services[0].task_definition.containers[0].image.known();
    assert_eq!(image, Some(&pinned));
    // The private image is untouched.
    let other = spec.services[0].task_definition.containers[1].image.known();
    assert_eq!(
        other.map(String::as_str),
        Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:7")
    );
}
