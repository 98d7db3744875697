//! Spec loading: every error class with its message and position, the seed-002 task definition,
//! and the examples.

use super::*;
use moat_catalog::{task_needs, Need, WorkloadContext};
use moat_model::Maybe;
use std::collections::BTreeSet;
use std::fs;

const TD_OK: &str = r#"{
  "family": "app",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "containerDefinitions": [
    {
      "name": "app",
      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
      "portMappings": [{"containerPort": 8080}]
    }
  ]
}
"#;

const HEAD: &str = "name = \"demo\"\nregion = \"us-east-1\"\n";
const SVC: &str = "[[service]]\nname = \"app\"\ntask_definition = \"td.json\"\n";

/// A directory with `moat.toml` and `td.json`; returns the error (or spec) of loading it.
fn load_with(toml: &str, td: &str) -> (tempfile::TempDir, Result<Spec, SpecError>) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("moat.toml"), toml).expect("write");
    fs::write(dir.path().join("td.json"), td).expect("write");
    let r = load(dir.path());
    (dir, r)
}

/// (file name, line, column, message) of an Invalid error.
fn invalid(r: Result<Spec, SpecError>) -> (String, u32, u32, String) {
    match r {
        Err(SpecError::Invalid {
            path,
            line,
            column,
            message,
        }) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, line, column, message)
        }
        Err(e) => panic!("expected Invalid, got {e}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn minimal_spec_and_defaults() {
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), TD_OK);
    let s = r.expect("loads");
    assert_eq!(s.vpc_cidr.to_string(), "10.0.0.0/16");
    assert_eq!(
        (s.az_count, s.flow_logs, s.log_retention_days),
        (2, true, 30)
    );
    assert_eq!(s.services.len(), 1);
    let svc = &s.services[0];
    assert_eq!(
        (svc.desired_count, svc.capacity, svc.execute_command),
        (1, LaunchType::Fargate, false)
    );
    assert_eq!(
        svc.task_definition
            .prov
            .file
            .as_deref()
            .map(|f| f.ends_with("td.json")),
        Some(true)
    );
    let c = &svc.task_definition.containers[0];
    assert_eq!((c.prov.line, c.prov.column), (Some(6), Some(5)));
    let img = c.prov.field("image");
    assert_eq!((img.line, img.column), (Some(8), Some(16)));
    assert_eq!(svc.prov.field("task_definition").line, Some(5));
    assert_eq!(svc.prov.line, Some(3)); // the `[[service]]` header
}

#[test]
fn unknown_key_is_an_error_with_its_line() {
    let (_d, r) = load_with(&format!("{HEAD}vpc_cdir = \"10.0.0.0/16\"\n{SVC}"), TD_OK);
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("moat.toml", 3, 1));
    assert!(
        msg.contains("unknown field `vpc_cdir`") && msg.contains("vpc_cidr"),
        "{msg}"
    );
    // Inside a service table too.
    let (_d, r) = load_with(&format!("{HEAD}{SVC}desired = 2\n"), TD_OK);
    let (_, line, _, msg) = invalid(r);
    assert_eq!(line, 6);
    assert!(msg.contains("unknown field `desired`"), "{msg}");
}

#[test]
fn bad_cidr() {
    let (_d, r) = load_with(&format!("{HEAD}vpc_cidr = \"10.0.0.300/16\"\n{SVC}"), TD_OK);
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("moat.toml", 3, 12));
    assert!(msg.contains("invalid vpc_cidr `10.0.0.300/16`"), "{msg}");
    let (_d, r) = load_with(&format!("{HEAD}vpc_cidr = \"10.0.0.0/8\"\n{SVC}"), TD_OK);
    assert!(invalid(r).3.contains("moat needs /16 to /24"));
    let (_d, r) = load_with(&format!("{HEAD}vpc_cidr = \"10.0.1.0/16\"\n{SVC}"), TD_OK);
    assert!(invalid(r).3.contains("did you mean `10.0.0.0/16`"));
}

#[test]
fn range_checks() {
    for (line, want) in [
        ("az_count = 0", "az_count must be between 1 and 6, got 0"),
        ("az_count = 7", "az_count must be between 1 and 6, got 7"),
        (
            "log_retention_days = 31",
            "not a retention CloudWatch Logs accepts",
        ),
        ("account_id = \"1234\"", "expected 12 digits"),
        ("region = \"useast1\"", "expected an AWS region code"),
    ] {
        let toml = if line.starts_with("region") {
            format!("name = \"demo\"\n{line}\n{SVC}")
        } else {
            format!("{HEAD}{line}\n{SVC}")
        };
        let (_d, r) = load_with(&toml, TD_OK);
        let (_, l, _, msg) = invalid(r);
        assert!(msg.contains(want), "{line}: {msg}");
        assert!(l == 2 || l == 3, "{line}: line {l}");
    }
}

#[test]
fn service_checks() {
    let cases = [
        (
            "[service.autoscaling]\nmin = 5\nmax = 2\n",
            7,
            "autoscaling.min (5) is greater than autoscaling.max (2)",
        ),
        (
            "[service.ingress]\nport = 0\n",
            7,
            "ingress.port must be between 1 and 65535, got 0",
        ),
        (
            "[service.ingress]\nport = 443\ncontainer_port = 9999\n",
            8,
            "no portMappings entry with containerPort 9999",
        ),
        (
            "[service.ingress]\nport = 443\nallowed_principals = [\"210987654321\"]\n",
            8,
            "expected `*` or an IAM ARN",
        ),
        (
            "[service.ingress]\nport = 443\ncertificate_arn = \"cert\"\n",
            8,
            "expected an ACM certificate ARN",
        ),
        (
            "[service.ingress]\nport = 443\ntls = \"reencrypt\"\n",
            8,
            "needs certificate_arn",
        ),
        (
            "[service.ingress]\nport = 443\ntls = \"mutual\"\n",
            8,
            "unknown tls `mutual`",
        ),
        (
            "[service.ingress]\nport = 443\ncertificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/abc\"\ntls = \"passthrough\"\n",
            9,
            "certificate_arn would be unused",
        ),
        (
            "extra_endpoints = [\"sqs\", \"nosuch\"]\n",
            6,
            "unknown endpoint `nosuch`",
        ),
        ("capacity = \"lambda\"\n", 6, "expected `fargate` or `ec2`"),
        (
            "s3_read_buckets = [\"arn:aws:s3:::b\"]\n",
            6,
            "invalid S3 bucket name",
        ),
        (
            "kms_key_arns = [\"alias/x\"]\n",
            6,
            "expected a KMS key ARN",
        ),
    ];
    for (extra, want_line, want) in cases {
        let (_d, r) = load_with(&format!("{HEAD}{SVC}{extra}"), TD_OK);
        let (file, line, _, msg) = invalid(r);
        assert_eq!(file, "moat.toml", "{extra}");
        assert!(msg.contains(want), "{extra}: {msg}");
        assert_eq!(line, want_line, "{extra}: {msg}");
    }
}

#[test]
fn ingress_defaults_to_first_mapped_port() {
    let (_d, r) = load_with(
        &format!("{HEAD}{SVC}[service.ingress]\nport = 443\n"),
        TD_OK,
    );
    let i = r.expect("loads").services[0]
        .ingress
        .clone()
        .expect("ingress");
    assert_eq!(
        (i.port, i.container.as_str(), i.container_port),
        (443, "app", 8080)
    );
    assert!(i.acceptance_required && i.certificate_arn.is_none());
    assert_eq!(i.tls, crate::TlsMode::Passthrough);
}

#[test]
fn missing_task_definition_file_points_at_the_toml_line() {
    let toml = format!("{HEAD}[[service]]\nname = \"app\"\ntask_definition = \"nope.json\"\n");
    let (_d, r) = load_with(&toml, TD_OK);
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("moat.toml", 5, 19));
    assert!(
        msg.contains("cannot read task definition `nope.json`"),
        "{msg}"
    );
}

#[test]
fn malformed_json_points_into_the_json_file() {
    let td = "{\n  \"family\": \"app\",\n  \"containerDefinitions\": [\n    {\"name\": \"app\" \"image\": \"x\"}\n  ]\n}\n";
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), td);
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("td.json", 4, 20));
    assert!(msg.starts_with("malformed JSON"), "{msg}");
}

#[test]
fn wrong_type_of_a_read_field_is_an_error_but_unknown_fields_are_not() {
    let td = TD_OK.replace("\"portMappings\"", "\"image\": 5, \"portMappings\"");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    let (file, line, _, msg) = invalid(r);
    // The repeated key wins, as in most JSON readers; it is on line 9.
    assert_eq!((file.as_str(), line), ("td.json", 9));
    assert!(
        msg.contains("`containerDefinitions[0].image` must be a string, found a number"),
        "{msg}"
    );
    let td = TD_OK.replace(
        "\"family\"",
        "\"ephemeralStorage\": {\"sizeInGiB\": 30}, \"family\"",
    );
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    assert!(r.is_ok());
}

#[test]
fn public_image_is_an_error_at_the_image_line() {
    let td = TD_OK.replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
        "nginx:1.27",
    );
    let (_d, r) = load_with(
        &format!("name = \"demo\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n{SVC}"),
        &td,
    );
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("td.json", 8, 16));
    assert!(
        msg.contains("public registry docker.io") && msg.contains("cannot pull"),
        "{msg}"
    );
    assert!(
        msg.contains("help: copy it into the private ECR repository `nginx`"),
        "{msg}"
    );
    assert!(
        msg.contains("docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/nginx:1.27"),
        "{msg}"
    );
}

#[test]
fn other_registry_is_allowed_only_through_the_egress_gateway() {
    let td = TD_OK.replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
        "registry.corp.example/app:1",
    );
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    assert!(invalid(r).3.contains("registry.corp.example"));
    let egress = "[egress]\nmode = \"enforce\"\nallow = [\"registry.corp.example\"]\n";
    // Fargate pulls from the task's ENI, never through the gateway: still an error.
    let (_d, r) = load_with(&format!("{HEAD}{SVC}{egress}"), &td);
    assert!(invalid(r).3.contains("Fargate pulls"));
    // On EC2 capacity the agent can pull through the gateway.
    let td = td.replace("[\"FARGATE\"]", "[\"EC2\"]");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}capacity = \"ec2\"\n{egress}"), &td);
    let s = r.expect("loads");
    assert_eq!(
        s.egress.map(|e| e.allow),
        Some(vec!["registry.corp.example".to_string()])
    );
    // An entry with its port (`host:port`, which [egress].allow accepts) names the same host.
    let with_port = egress.replace("registry.corp.example", "registry.corp.example:443");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}capacity = \"ec2\"\n{with_port}"), &td);
    r.expect("an entry with a port admits the registry on EC2 capacity");
}

#[test]
fn egress_section_is_checked() {
    let (_d, r) = load_with(&format!("{HEAD}{SVC}[egress]\nmode = \"open\"\n"), TD_OK);
    let (_, line, _, msg) = invalid(r);
    assert_eq!(line, 7);
    assert!(msg.contains("expected `discover` or `enforce`"));
}

/// `[egress].allow` takes exactly what the gateway loads (issue 13 item 2): `host:port`
/// entries load; a public-suffix wildcard or an IP address is an error at its line.
#[test]
fn egress_allow_uses_the_gateway_validator() {
    let ok = "[egress]\nallow = [\"API.Example.com\", \"lic.example.com:8443\"]\n";
    let (_d, r) = load_with(&format!("{HEAD}{SVC}{ok}"), TD_OK);
    let allow = r.expect("loads").egress.map(|e| e.allow);
    assert_eq!(
        allow,
        Some(vec![
            "api.example.com".to_string(),
            "lic.example.com:8443".to_string()
        ])
    );
    for bad in [
        "*.com",
        "*.co.uk",
        "*.amazonaws.com",
        "10.0.0.1",
        "2130706433",
    ] {
        let spec = format!("{HEAD}{SVC}[egress]\nmode = \"enforce\"\nallow = [\n  \"{bad}\",\n]\n");
        let (_d, r) = load_with(&spec, TD_OK);
        let (file, line, column, msg) = invalid(r);
        assert_eq!(
            (file.as_str(), line, column),
            ("moat.toml", 9, 3),
            "{bad}: {msg}"
        );
        assert!(msg.contains(bad), "{msg}");
    }
}

#[test]
fn fargate_needs_awsvpc_and_matching_compatibilities() {
    let td = TD_OK.replace("\"awsvpc\"", "\"bridge\"");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    let (file, line, _, msg) = invalid(r);
    assert_eq!((file.as_str(), line), ("td.json", 3));
    assert!(msg.contains("networkMode must be `awsvpc`"));
    let (_d, r) = load_with(&format!("{HEAD}{SVC}capacity = \"ec2\"\n"), TD_OK);
    assert!(invalid(r)
        .3
        .contains("requiresCompatibilities does not include EC2"));
}

fn example(name: &str) -> Spec {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn endpoint_set(spec: &Spec, svc: &ServiceSpec) -> BTreeSet<&'static str> {
    let ctx = WorkloadContext {
        launch_type: svc.capacity,
        execute_command: svc.execute_command,
        region: spec.region.clone(),
    };
    let needs = task_needs(&svc.task_definition, &ctx);
    assert!(needs.problems.is_empty(), "{:?}", needs.problems);
    needs
        .requirements
        .iter()
        .filter_map(|r| match r.need {
            Need::Endpoint(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn example_isolated_service() {
    let s = example("isolated-service");
    assert_eq!(
        (s.region.as_str(), s.account_id.as_deref()),
        ("us-east-1", Some("123456789012"))
    );
    let svc = &s.services[0];
    assert_eq!(svc.desired_count, 2);
    assert_eq!(svc.capacity, LaunchType::Fargate);
    assert_eq!(
        endpoint_set(&s, svc),
        BTreeSet::from(["ecr.api", "ecr.dkr", "logs", "s3"])
    );
    // The EC2 variant is one setting away.
    let text = fs::read_to_string(&s.path).expect("read");
    assert!(text.contains("capacity = \"fargate\""));
    let ec2 = load_str(
        &s.path,
        &text.replace("capacity = \"fargate\"", "capacity = \"ec2\""),
    )
    .expect("ec2 variant");
    assert_eq!(
        endpoint_set(&ec2, &ec2.services[0]),
        BTreeSet::from([
            "ecr.api",
            "ecr.dkr",
            "ecs",
            "ecs-agent",
            "ecs-telemetry",
            "logs",
            "s3"
        ])
    );
}

/// Seed 002's task definition, as printed in the seed.
const SEED_002_IMAGE: &str =
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecr-repo/app-image:latest";

#[test]
fn example_fargate_logger_is_seed_002_verbatim() {
    let s = example("fargate-logger");
    let svc = &s.services[0];
    let td = &svc.task_definition;
    assert_eq!(
        td.family.known().map(String::as_str),
        Some("sample-fargate-task")
    );
    assert_eq!(td.network_mode.known().map(String::as_str), Some("awsvpc"));
    assert_eq!(
        td.execution_role
            .as_ref()
            .and_then(|r| r.known())
            .map(String::as_str),
        Some("arn:aws:iam::123456789012:role/ecsTaskExecutionRole")
    );
    let c = &td.containers[0];
    assert_eq!(
        c.name.known().map(String::as_str),
        Some("sample-fargate-logger")
    );
    assert_eq!(c.image.known().map(String::as_str), Some(SEED_002_IMAGE));
    assert_eq!(
        c.environment,
        vec![(
            "LOG_MESSAGE".to_string(),
            Maybe::Known("sample-fargate-logger says hello".to_string())
        )]
    );
    let log = c.log.as_ref().expect("logConfiguration");
    assert_eq!(
        log.options.get("awslogs-create-group"),
        Some(&Maybe::Known("true".into()))
    );
    assert_eq!(
        log.options.get("awslogs-group"),
        Some(&Maybe::Known("/ecs/sample-fargate-task".into()))
    );
    // Positions in the verbatim file (the seed indents containers by 6 and fields by 10).
    assert_eq!((c.prov.line, c.prov.column), (Some(3), Some(7)));
    assert_eq!(c.prov.field("image").line, Some(6));
    assert_eq!((log.prov.line, log.prov.column), (Some(22), Some(31)));
    assert_eq!(
        endpoint_set(&s, svc),
        BTreeSet::from(["ecr.api", "ecr.dkr", "logs", "s3"])
    );
    let ctx = WorkloadContext {
        launch_type: LaunchType::Fargate,
        execute_command: false,
        region: s.region.clone(),
    };
    assert!(task_needs(td, &ctx).requirements.iter().any(|r| matches!(
        &r.need,
        Need::ExecutionRole { action: "logs:CreateLogGroup", resource }
            if resource == "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/sample-fargate-task:*"
    )));
    // The file holds the seed's JSON unchanged: spot-check distinctive lines.
    let text = fs::read_to_string(&svc.task_definition_path).expect("read");
    for line in [
        "              \"retries\": 3",
        "                  \"awslogs-create-group\": \"true\",",
        "  \"runtimePlatform\": {",
        "  \"memory\": \"512\"",
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?}");
    }
}

#[test]
fn example_autoscaled_workload() {
    let s = example("autoscaled-workload");
    let svc = &s.services[0];
    assert_eq!(
        svc.autoscaling,
        Some(Autoscaling {
            min: 2,
            max: 6,
            cpu_target: 60
        })
    );
    assert_eq!(svc.desired_count, 2);
    assert!(s.az_count >= 2);
    let image = svc.task_definition.containers[0]
        .image
        .known()
        .cloned()
        .unwrap_or_default();
    assert!(image.ends_with("/workload-service:latest"), "{image}");
    assert_eq!(
        endpoint_set(&s, svc),
        BTreeSet::from(["ecr.api", "ecr.dkr", "logs", "s3"])
    );
}

#[test]
fn example_private_ingress() {
    let s = example("private-ingress");
    let svc = &s.services[0];
    let i = svc.ingress.as_ref().expect("ingress");
    assert_eq!(i.allowed_principals, ["arn:aws:iam::210987654321:root"]);
    assert!(i
        .certificate_arn
        .as_deref()
        .is_some_and(|c| c.starts_with("arn:aws:acm:us-east-1:")));
    assert!(i.acceptance_required);
    assert_eq!(
        (i.port, i.container.as_str(), i.container_port),
        (443, "api", 8443)
    );
    assert_eq!(
        endpoint_set(&s, svc),
        BTreeSet::from(["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager"])
    );
}

#[test]
fn kms_keys_add_the_endpoint_and_are_reported_as_extras() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("moat.toml"),
        format!("{HEAD}{SVC}kms_key_arns = [\"{key}\"]\n"),
    )
    .expect("write");
    fs::write(dir.path().join("td.json"), TD_OK).expect("write");
    let (spec, extras) = load_with_extras(dir.path()).expect("loads");
    assert_eq!(spec.services[0].extra_endpoints, ["kms"]);
    assert_eq!(extras.kms_key_arns.get("app"), Some(&vec![key.to_string()]));
}

#[test]
fn logs_in_another_region_are_an_error() {
    let td = TD_OK.replace(
        "\"portMappings\"",
        "\"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/a\", \"awslogs-region\": \"eu-west-1\"}},\n      \"portMappings\"",
    );
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    let (file, line, _, msg) = invalid(r);
    assert_eq!((file.as_str(), line), ("td.json", 9));
    assert!(
        msg.contains("awslogs-region") && msg.contains("eu-west-1"),
        "{msg}"
    );
}

#[test]
fn io_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = load(dir.path()).expect_err("no moat.toml");
    assert!(
        matches!(&err, SpecError::Io { path, .. } if path.ends_with("moat.toml")),
        "{err}"
    );
    assert!(err.to_string().contains("cannot read the spec"), "{err}");
}

#[test]
fn describe_task_definition_output_is_accepted() {
    let wrapped = format!("{{\"taskDefinition\": {TD_OK}}}");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &wrapped);
    let s = r.expect("loads");
    assert_eq!(
        s.services[0]
            .task_definition
            .family
            .known()
            .map(String::as_str),
        Some("app")
    );
}

#[test]
fn empty_image_is_an_error() {
    let td = TD_OK.replace("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", " ");
    let (_d, r) = load_with(&format!("{HEAD}{SVC}"), &td);
    let (file, line, _, msg) = invalid(r);
    assert_eq!((file.as_str(), line), ("td.json", 8));
    assert!(msg.contains("empty `image`"), "{msg}");
}

/// Issue 13 bug 7: a VPC too small for moat's 16 blocks is one spec error at the value's
/// line and column (it was a plan error, printed twice, without a position, and docs promised
/// /28).
#[test]
fn too_small_vpc_cidr_is_one_error_at_its_position() {
    let (_d, r) = load_with(&format!("{HEAD}vpc_cidr = \"10.0.0.0/25\"\n{SVC}"), TD_OK);
    let (file, line, col, msg) = invalid(r);
    assert_eq!((file.as_str(), line, col), ("moat.toml", 3, 12));
    assert!(msg.contains("/25") && msg.contains("/16 to /24"), "{msg}");
    let (_d, r) = load_with(&format!("{HEAD}vpc_cidr = \"10.0.0.0/24\"\n{SVC}"), TD_OK);
    assert!(r.is_ok());
}

/// Issue 13 bug 6: a region that does not exist, a KMS key or an ACM certificate in another
/// region are errors at their line.
#[test]
fn regions_keys_and_certificates_must_match_the_environment() {
    let (_d, r) = load_with(
        &format!("name = \"demo\"\nregion = \"us-east-7\"\n{SVC}"),
        TD_OK,
    );
    let (_, line, col, msg) = invalid(r);
    assert_eq!((line, col), (2, 10));
    assert!(
        msg.contains("not an AWS Region; did you mean `us-east-1`?"),
        "{msg}"
    );

    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let (_d, r) = load_with(&format!("{HEAD}{SVC}kms_key_arns = [\"{key}\"]\n"), TD_OK);
    let (_, line, _, msg) = invalid(r);
    assert_eq!(line, 6);
    assert!(
        msg.contains("is in eu-west-1, but the environment is in us-east-1"),
        "{msg}"
    );

    let cert =
        "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000001";
    let (_d, r) = load_with(
        &format!("{HEAD}{SVC}[service.ingress]\nport = 443\ncertificate_arn = \"{cert}\"\n"),
        TD_OK,
    );
    let (_, line, _, msg) = invalid(r);
    assert_eq!(line, 8);
    assert!(
        msg.contains("is in eu-west-1, but the NLB is in us-east-1"),
        "{msg}"
    );
}

/// Issue 13 item 10: every problem of a spec in one run, each at its place, with "did you
/// mean" for keys, endpoint names and principals.
#[test]
fn every_error_at_once_with_suggestions() {
    let toml = format!(
        "{HEAD}vpc_cdir = \"10.0.0.0/16\"\naz_count = 9\n{SVC}extra_endpoints = [\"dynamo\"]\ndesird_count = 2\n[service.ingress]\nport = 80\nallowed_principals = [\"444455556666\"]\n"
    );
    let (_d, r) = load_with(&toml, TD_OK);
    let err = r.expect_err("four problems");
    let all: Vec<(u32, String)> = err
        .errors()
        .iter()
        .map(|e| match e {
            SpecError::Invalid { line, message, .. } => (*line, message.clone()),
            other => panic!("{other}"),
        })
        .collect();
    let lines: Vec<u32> = all.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 8, 9, 12], "{all:?}");
    let text = err.to_string();
    for want in [
        "5 errors in the spec",
        "unknown field `vpc_cdir`; did you mean `vpc_cidr`?",
        "az_count must be between 1 and 6, got 9",
        "unknown endpoint `dynamo`; did you mean `dynamodb`?",
        "unknown field `desird_count` in [[service]]; did you mean `desired_count`?",
        "did you mean `arn:aws:iam::444455556666:root`?",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
