//! `[images] pull_through`: a spec whose images come from public.ecr.aws and Docker Hub plans
//! one ECR pull-through cache rule per upstream (Docker Hub's with a credential secret
//! parameter), names the images through the cache prefixes, and explains the first pull;
//! `mirror = true` still copies the images of other registries.

const TD: &str = r#"{
  "family": "web",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "essential": true,
     "portMappings": [{"containerPort": 80}]},
    {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
     "essential": false},
    {"name": "agent", "image": "ghcr.io/acme/agent:2", "essential": false}
  ]
}
"#;

/// The spec, and the directory its task definition is in (synth reads it again).
fn load(spec: &str) -> Result<(moat_spec::Spec, tempfile::TempDir), String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), TD).unwrap();
    std::fs::write(dir.path().join("moat.toml"), spec).unwrap();
    let spec = moat_spec::load(dir.path()).map_err(|e| e.to_string())?;
    Ok((spec, dir))
}

const SPEC: &str = r#"name = "cached"
region = "eu-west-1"
account_id = "123456789012"

[images]
pull_through = ["public.ecr.aws", "docker.io"]
mirror = true

[[service]]
name = "web"
task_definition = "td.json"
"#;

#[test]
fn images_are_named_through_the_cache_and_the_rules_are_synthesized() {
    let (spec, _dir) = load(SPEC).expect("spec");
    let plan = moat_synth::plan(&spec).expect("plan");
    let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    let rules: Vec<(&str, &str, Option<&str>)> = plan
        .pull_through
        .iter()
        .map(|r| {
            (
                r.upstream_url.as_str(),
                r.prefix.as_str(),
                r.credential_parameter.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("public.ecr.aws", "ecr-public", None),
            (
                "registry-1.docker.io",
                "docker-hub",
                Some("DockerHubPullThroughCredentialArn")
            ),
        ]
    );
    let targets: Vec<(&str, bool)> = plan
        .image_copies
        .iter()
        .map(|c| (c.target.as_str(), c.pull_through.is_some()))
        .collect();
    assert_eq!(
        targets,
        [
            (
                format!("{ecr}/docker-hub/library/nginx:1.27").as_str(),
                true
            ),
            (
                format!("{ecr}/ecr-public/aws-observability/aws-for-fluent-bit:stable").as_str(),
                true
            ),
            // Not a pull-through upstream here: mirrored (copied) instead.
            (format!("{ecr}/acme/agent:2").as_str(), false),
        ]
    );

    let text = moat_synth::render_plan_text(&plan);
    assert!(text.contains("ECR pull-through cache rules"), "{text}");
    assert!(
        text.contains("--param DockerHubPullThroughCredentialArn=<its ARN>"),
        "{text}"
    );
    assert!(
        text.contains("The first pull of an image through the cache needs the upstream"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "moat image copy ghcr.io/acme/agent:2 {ecr}/acme/agent:2"
        )),
        "{text}"
    );

    let yaml = moat_synth::synth(&plan, moat_synth::TemplateFormat::Yaml);
    assert_eq!(
        yaml.matches("Type: \"AWS::ECR::PullThroughCacheRule\"")
            .count(),
        2,
        "{yaml}"
    );
    assert!(
        yaml.contains("UpstreamRegistryUrl: registry-1.docker.io"),
        "{yaml}"
    );
    assert!(yaml.contains("UpstreamRegistry: docker-hub"), "{yaml}");
    assert!(yaml.contains("EcrRepositoryPrefix: ecr-public"), "{yaml}");
    assert!(
        yaml.contains("CredentialArn: !Ref DockerHubPullThroughCredentialArn"),
        "{yaml}"
    );
    assert!(
        yaml.contains("Parameters:\n  DockerHubPullThroughCredentialArn:"),
        "{yaml}"
    );
    let images: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Image: "))
        .map(|i| i.trim_matches('"'))
        .collect();
    assert!(
        images.contains(&format!("{ecr}/docker-hub/library/nginx:1.27").as_str()),
        "{images:?}"
    );
    assert!(!yaml.contains("Image: nginx:1.27"), "{yaml}");
}

#[test]
fn pull_through_alone_accepts_only_the_listed_registries() {
    // Without mirror, the ghcr.io image is still public: refused as before.
    let spec = SPEC.replace("mirror = true\n", "");
    let err = load(&spec).unwrap_err();
    assert!(err.contains("ghcr.io/acme/agent:2"), "{err}");

    let spec = SPEC.replace("mirror = true\n", "").replace(
        r#"["public.ecr.aws", "docker.io"]"#,
        r#"["public.ecr.aws", "docker.io", "ghcr.io"]"#,
    );
    let (spec, _dir) = load(&spec).expect("every image through a cache");
    assert!(spec.mirrors.iter().all(|m| m.pull_through.is_some()));
}

#[test]
fn an_unsupported_upstream_or_a_missing_account_is_a_clear_error() {
    let err = load(&SPEC.replace("\"docker.io\"", "\"gcr.io\"")).unwrap_err();
    assert!(err.contains("moat.toml:6:"), "{err}");
    assert!(
        err.contains("`gcr.io` is not a registry Amazon ECR can pull through"),
        "{err}"
    );
    let err = load(
        &SPEC
            .replace("account_id = \"123456789012\"\n", "")
            .replace("mirror = true\n", ""),
    )
    .unwrap_err();
    assert!(err.contains("pull_through needs `account_id`"), "{err}");
}

/// The template with pull-through rules (and their parameter) passes cfn-lint with no error.
/// cfn-lint from `MOAT_CFN_LINT` or PATH; without it the test skips, unless `CI` is set.
#[test]
fn the_pull_through_template_passes_cfn_lint() {
    let lint = std::env::var_os("MOAT_CFN_LINT")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("cfn-lint"))
                .find(|p| p.is_file())
        });
    let Some(lint) = lint else {
        assert!(
            std::env::var_os("CI").is_none(),
            "cfn-lint not found; CI must run this test"
        );
        eprintln!("skipping: cfn-lint not found (set MOAT_CFN_LINT or put it on PATH)");
        return;
    };
    let (spec, dir) = load(SPEC).expect("spec");
    let plan = moat_synth::plan(&spec).expect("plan");
    let file = dir.path().join("template.yaml");
    std::fs::write(
        &file,
        moat_synth::synth(&plan, moat_synth::TemplateFormat::Yaml),
    )
    .unwrap();
    let out = std::process::Command::new(&lint)
        .args(["--non-zero-exit-code", "error", "--"])
        .arg(&file)
        .output()
        .expect("run cfn-lint");
    assert!(
        out.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
