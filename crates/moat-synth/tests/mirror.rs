//! A spec with a Docker Hub image and `mirror = true` plans the copy into private ECR and
//! synthesizes a task definition that names the copy, never the public image.

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
     "essential": false}
  ]
}
"#;

const SPEC: &str = r#"name = "mirrored"
region = "eu-west-1"
account_id = "123456789012"

[images]
mirror = true

[[service]]
name = "web"
task_definition = "td.json"
"#;

#[test]
fn plan_and_template_name_the_ecr_copies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), TD).unwrap();
    std::fs::write(dir.path().join("moat.toml"), SPEC).unwrap();
    let spec = moat_spec::load(dir.path()).expect("spec");
    let plan = moat_synth::plan(&spec).expect("plan");

    let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    let targets: Vec<&str> = plan
        .image_copies
        .iter()
        .map(|c| c.target.as_str())
        .collect();
    assert_eq!(
        targets,
        [
            format!("{ecr}/nginx:1.27"),
            format!("{ecr}/aws-observability/aws-for-fluent-bit:stable")
        ]
    );
    let repos: Vec<&str> = plan
        .image_copies
        .iter()
        .map(|c| c.repository.as_str())
        .collect();
    assert_eq!(repos, ["nginx", "aws-observability/aws-for-fluent-bit"]);
    // Pulling from ECR needs its endpoints (and S3 for the layers); no public registry.
    let endpoints: Vec<&str> = plan.endpoints.iter().map(|e| e.name.as_str()).collect();
    for needed in ["ecr.api", "ecr.dkr", "s3"] {
        assert!(endpoints.contains(&needed), "{endpoints:?}");
    }

    let text = moat_synth::render_plan_text(&plan);
    assert!(text.contains("Images copied into private ECR"), "{text}");
    assert!(
        text.contains(&format!("web/web: nginx:1.27 -> {ecr}/nginx:1.27")),
        "{text}"
    );
    assert!(
        text.contains(&format!("moat image copy nginx:1.27 {ecr}/nginx:1.27")),
        "{text}"
    );

    let yaml = moat_synth::synth(&plan, moat_synth::TemplateFormat::Yaml);
    let images: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Image: "))
        .collect();
    assert_eq!(
        images,
        [
            format!("\"{ecr}/nginx:1.27\""),
            format!("\"{ecr}/aws-observability/aws-for-fluent-bit:stable\"")
        ]
    );

    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json["image_copies"][0]["command"],
        format!("moat image copy nginx:1.27 {ecr}/nginx:1.27")
    );
}
