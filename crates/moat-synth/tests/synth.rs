mod common;

use common::plan;
use moat_model::EndpointKind;
use moat_synth::{render_plan_text, synth, PlanError, TemplateFormat};

fn yaml(spec: &moat_spec::Spec) -> String {
    synth(&plan(spec).expect("plan"), TemplateFormat::Yaml)
}

/// Paths in plan output differ per checkout.
fn redact(text: &str) -> String {
    text.replace(env!("CARGO_MANIFEST_DIR"), "[crate]")
}

#[test]
fn isolated_service_template() {
    insta::assert_snapshot!("isolated_yaml", yaml(&common::isolated()));
}

#[test]
fn full_template() {
    insta::assert_snapshot!("full_yaml", yaml(&common::full()));
}

#[test]
fn plan_texts() {
    insta::assert_snapshot!(
        "isolated_plan",
        redact(&render_plan_text(&plan(&common::isolated()).unwrap()))
    );
    insta::assert_snapshot!(
        "full_plan",
        redact(&render_plan_text(&plan(&common::full()).unwrap()))
    );
}

#[test]
fn isolated_endpoints_are_exactly_ecr_logs_and_s3_and_cheaper_than_seed_001() {
    let p = plan(&common::isolated()).unwrap();
    let names: Vec<(&str, EndpointKind)> = p
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("s3", EndpointKind::Gateway),
            ("ecr.api", EndpointKind::Interface),
            ("ecr.dkr", EndpointKind::Interface),
            ("logs", EndpointKind::Interface),
        ]
    );
    // Every endpoint says which container and field need it.
    for e in &p.endpoints {
        assert!(!e.reasons.is_empty(), "{} has no reason", e.name);
        for r in &e.reasons {
            assert_eq!(r.service, "app");
            assert_eq!(r.reason.container.as_deref(), Some("app"));
        }
    }
    assert!(p.cost.saving_vs_six_endpoint_design_usd > 0.0);
    // 3 fewer interface endpoints in 2 AZs at 0.01 USD/h: 3 × 2 × 730 × 0.01.
    assert!((p.cost.saving_vs_six_endpoint_design_usd - 43.80).abs() < 1e-9);
    assert_eq!(p.cost.as_of, "2025-01");
}

#[test]
fn full_plan_is_least_privilege() {
    let p = plan(&common::full()).unwrap();
    let names: Vec<&str> = p.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "s3",
            "ecr.api",
            "ecr.dkr",
            "kms",
            "logs",
            "secretsmanager",
            "sqs",
            "ssm",
            "ssmmessages"
        ]
    );
    let s3: Vec<&str> = p
        .s3_gateway_policy
        .iter()
        .flat_map(|s| s.resources.iter().map(String::as_str))
        .collect();
    assert_eq!(
        s3,
        [
            "arn:aws:s3:::orders-config/api.env",
            "arn:aws:s3:::orders-reference-data/*",
            "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*",
            "arn:aws:s3:::orders-reference-data",
        ]
    );
    // No statement grants a wildcard action, and the execution role names the secret itself.
    for st in &p.execution_role {
        assert!(st.actions.iter().all(|a| !a.ends_with('*')), "{st:?}");
    }
    assert!(p
        .execution_role
        .iter()
        .any(|st| st.actions == ["secretsmanager:GetSecretValue"]
            && st.resources
                == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-AbCdEf"]));
    let task = &p.services[0].task_role;
    assert!(task.iter().any(|st| st
        .actions
        .contains(&"ssmmessages:OpenDataChannel".to_string())));
    assert!(task.iter().any(|st| st.actions == ["s3:ListBucket"]
        && st.resources == ["arn:aws:s3:::orders-reference-data"]));
    // executionRoleArn / taskRoleArn are replaced by the template's roles and reported.
    assert!(p.notes.iter().any(|n| n.contains("executionRoleArn")));
}

#[test]
fn no_path_to_the_internet_in_any_template() {
    for spec in [common::isolated(), common::full()] {
        for fmt in [TemplateFormat::Yaml, TemplateFormat::Json] {
            let t = synth(&plan(&spec).unwrap(), fmt);
            for banned in [
                "AWS::EC2::InternetGateway",
                "AWS::EC2::NatGateway",
                "AWS::EC2::EIP",
                "AWS::EC2::EgressOnlyInternetGateway",
                "AWS::EC2::VPCGatewayAttachment",
                "AWS::EC2::Route\"",
            ] {
                assert!(!t.contains(banned), "{banned} in template");
            }
            assert!(!t.contains("ENABLED") || !t.contains("AssignPublicIp: ENABLED"));
            let j: serde_json::Value =
                serde_json::from_str(&synth(&plan(&spec).unwrap(), TemplateFormat::Json)).unwrap();
            for (id, r) in j["Resources"].as_object().unwrap() {
                let props = &r["Properties"];
                assert_ne!(
                    props["MapPublicIpOnLaunch"],
                    serde_json::json!(true),
                    "{id}"
                );
                assert_ne!(
                    props["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"],
                    "ENABLED",
                    "{id}"
                );
                if r["Type"] == "AWS::EC2::Subnet" {
                    assert_eq!(props["MapPublicIpOnLaunch"], false, "{id}");
                }
                if r["Type"] == "AWS::ECS::Service" {
                    assert_eq!(
                        props["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"],
                        "DISABLED"
                    );
                }
                if r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer" {
                    assert_eq!(props["Scheme"], "internal");
                }
            }
        }
    }
}

#[test]
fn endpoint_sg_admits_only_443_from_service_sgs() {
    let p = plan(&common::full()).unwrap();
    let j: serde_json::Value = serde_json::from_str(&synth(&p, TemplateFormat::Json)).unwrap();
    let res = j["Resources"].as_object().unwrap();
    let ingress: Vec<_> = res
        .values()
        .filter(|r| r["Type"] == "AWS::EC2::SecurityGroupIngress")
        .map(|r| &r["Properties"])
        .collect();
    assert_eq!(ingress.len(), 1);
    assert_eq!(ingress[0]["IpProtocol"], "tcp");
    assert_eq!(ingress[0]["FromPort"], 443);
    assert_eq!(ingress[0]["ToPort"], 443);
    assert_eq!(
        ingress[0]["SourceSecurityGroupId"]["Ref"],
        "OrdersApiSecurityGroup"
    );
    assert!(res["EndpointSecurityGroup"]["Properties"]
        .get("SecurityGroupIngress")
        .is_none());
    // Service egress is TCP 443 only.
    for rule in res["OrdersApiSecurityGroup"]["Properties"]["SecurityGroupEgress"]
        .as_array()
        .unwrap()
    {
        assert_eq!(rule["IpProtocol"], "tcp");
        assert_eq!(rule["FromPort"], 443);
    }
    // Interface endpoints: private DNS on, in every task subnet.
    for e in p.interface_endpoints() {
        let props = &res[&e.logical_id]["Properties"];
        assert_eq!(props["PrivateDnsEnabled"], true);
        assert_eq!(props["SubnetIds"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn synth_is_deterministic() {
    for spec in [common::isolated(), common::full()] {
        for fmt in [TemplateFormat::Yaml, TemplateFormat::Json] {
            let a = synth(&plan(&spec).unwrap(), fmt);
            let b = synth(&plan(&spec).unwrap(), fmt);
            assert_eq!(a.as_bytes(), b.as_bytes());
        }
    }
}

#[test]
fn public_image_is_a_plan_error_with_location() {
    let mut spec = common::isolated();
    spec.services[0].task_definition.containers[0].image =
        moat_model::Maybe::Known("nginx:1.27".into());
    match plan(&spec) {
        Err(PlanError::Workload(problems)) => {
            assert_eq!(problems.len(), 1);
            let text = problems[0].to_string();
            assert!(
                text.contains("nginx:1.27") && text.contains("service `app`"),
                "{text}"
            );
            assert!(text.contains("isolated.json:1:1"), "{text}");
        }
        other => panic!("expected a workload error, got {other:?}"),
    }
}

#[test]
fn unknown_extra_endpoint_and_bad_cidr_are_errors() {
    let mut spec = common::isolated();
    spec.services[0].extra_endpoints = vec!["no-such-service".into()];
    assert!(
        matches!(plan(&spec), Err(PlanError::Workload(p)) if p[0].message.contains("no-such-service"))
    );
    let mut spec = common::isolated();
    spec.vpc_cidr = "10.0.0.0/26".parse().unwrap();
    let err = plan(&spec).unwrap_err().to_string();
    assert!(
        err.starts_with("moat.toml: vpc_cidr 10.0.0.0/26 is too small"),
        "{err}"
    );
    let mut spec = common::isolated();
    spec.services[0].task_definition_path = common::fixture("missing.json");
    assert!(matches!(plan(&spec), Err(PlanError::TaskDefinition { .. })));
}

#[test]
fn plan_json_serializes() {
    let p = plan(&common::full()).unwrap();
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j["endpoints"][0]["name"], "s3");
    assert_eq!(j["endpoints"][0]["kind"], "Gateway");
    assert_eq!(j["endpoints"][1]["reasons"][0]["field"], "image");
    assert_eq!(j["cost"]["as_of"], "2025-01");
}

/// A private ECR image with awslogs on EC2 capacity: the S3 gateway, ECR, the three ECS
/// endpoints the container agent needs, and logs.
const EC2_CAPACITY_ENDPOINTS: [&str; 7] = [
    "s3",
    "ecr.api",
    "ecr.dkr",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "logs",
];

#[test]
fn ec2_capacity_adds_ecs_endpoints_and_a_note() {
    let mut spec = common::isolated();
    spec.services[0].capacity = moat_model::LaunchType::Ec2;
    let p = plan(&spec).unwrap();
    let names: Vec<&str> = p.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, EC2_CAPACITY_ENDPOINTS);
    assert!(p.notes.iter().any(|n| n.contains("EC2 capacity")));
    let j: serde_json::Value = serde_json::from_str(&synth(&p, TemplateFormat::Json)).unwrap();
    assert_eq!(
        j["Resources"]["AppService"]["Properties"]["LaunchType"],
        "EC2"
    );
}

#[test]
fn outside_registry_is_fatal_unless_the_egress_gateway_allows_it() {
    let mut spec = common::isolated();
    spec.services[0].task_definition.containers[0].image =
        moat_model::Maybe::Known("registry.example.com/team/app:1".into());
    assert!(matches!(plan(&spec), Err(PlanError::Workload(_))));
    spec.egress = Some(moat_spec::EgressSpec {
        mode: "enforce".into(),
        allow: vec!["registry.example.com".into()],
        image: None,
    });
    spec.account_id = Some("123456789012".into());
    // Fargate cannot pull through the gateway; EC2 capacity can.
    assert!(matches!(plan(&spec), Err(PlanError::Workload(_))));
    spec.services[0].capacity = moat_model::LaunchType::Ec2;
    let p = plan(&spec).unwrap();
    // The workload pulls no ECR image; the ECR endpoints are the gateway's own (its image is
    // in private ECR), and logs are needed by both (EC2 capacity adds the ecs endpoints).
    let names: Vec<&str> = p.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, EC2_CAPACITY_ENDPOINTS);
    for ep in p.endpoints.iter().filter(|e| e.name.starts_with("ecr")) {
        assert!(
            ep.reasons.iter().all(|r| r.service == "egress-gateway"),
            "{ep:?}"
        );
    }
}

#[test]
fn egress_gateway_gets_its_own_subnets_and_the_workloads_the_proxy() {
    let mut spec = common::isolated();
    spec.egress = Some(moat_spec::EgressSpec {
        mode: "discover".into(),
        allow: vec!["api.example.com".into()],
        image: None,
    });
    // Without an account id or an image, there is no private ECR image to run.
    spec.account_id = None;
    let Err(PlanError::Workload(p)) = plan(&spec) else {
        panic!("an egress gateway without an image must not plan")
    };
    assert!(p[0].message.contains("egress.image"), "{p:?}");

    spec.account_id = Some("123456789012".into());
    let p = plan(&spec).unwrap();
    let eg = p.egress.as_ref().unwrap();
    let cidrs: Vec<&str> = eg.subnets.iter().map(|s| s.cidr.as_str()).collect();
    assert_eq!(cidrs, ["10.0.128.0/20", "10.0.144.0/20"]);
    assert!(p.reserved_egress_cidrs.is_empty());
    assert!(p.ecr_repositories.contains(&"moat-gate".to_string()));
    let yaml = synth(&p, TemplateFormat::Yaml);
    // One internet gateway, routed from the egress route tables only.
    assert_eq!(
        yaml.matches("\n      GatewayId: !Ref InternetGateway")
            .count(),
        2
    );
    for n in [1, 2] {
        let route = format!("  EgressDefaultRoute{n}:\n    Type: \"AWS::EC2::Route\"\n    DependsOn:\n      - InternetGatewayAttachment\n    Properties:\n      RouteTableId: !Ref EgressRouteTable{n}");
        assert!(yaml.contains(&route), "{route}\n{yaml}");
    }
    assert_eq!(yaml.matches("AssignPublicIp: ENABLED").count(), 1);
    assert!(yaml.contains("HTTPS_PROXY"));
    assert!(yaml.contains("Value: \"api.example.com\"") || yaml.contains("Value: api.example.com"));
    assert!(yaml.contains("Key: \"moat:egress-gateway\""));
    // Issue 13 bug 5: the description does not deny the internet gateway it holds.
    let description = yaml
        .lines()
        .find(|l| l.starts_with("Description:"))
        .unwrap();
    assert!(
        !description.contains("no internet gateway"),
        "{description}"
    );
    assert!(description.contains("egress gateway"), "{description}");
}

#[test]
fn unknown_values_become_notes_not_errors() {
    let mut spec = common::isolated();
    spec.services[0].task_definition.containers[0]
        .secrets
        .push(moat_model::Secret {
            name: moat_model::Maybe::Known("TOKEN".into()),
            value_from: moat_model::Maybe::unknown("parameter TokenArn has no default"),
            prov: moat_model::Provenance::at("td", "isolated.json", 7, 3),
        });
    let p = plan(&spec).unwrap();
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("isolated.json:7:3") && n.contains("TokenArn")),
        "{:?}",
        p.notes
    );
}

#[test]
fn isolated_json_template() {
    let p = plan(&common::isolated()).unwrap();
    insta::assert_snapshot!("isolated_json", synth(&p, TemplateFormat::Json));
}

/// Issue 13 bug 1: a task definition in the `aws ecs describe-task-definition` shape
/// (`{"taskDefinition": {…}, "tags": []}`) synthesizes the same containers, CPU, memory, roles
/// and `Name` tag as the `register-task-definition` shape, not an empty task definition.
#[test]
fn describe_task_definition_output_synthesizes_its_containers_and_keeps_moats_tag() {
    let mut spec = common::isolated();
    spec.services[0].task_definition_path = common::fixture("isolated-describe.json");
    let p = plan(&spec).expect("plan");
    let json = synth(&p, TemplateFormat::Json);
    let t: serde_json::Value = serde_json::from_str(&json).unwrap();
    let td = &t["Resources"]["AppTaskDefinition"]["Properties"];
    assert_eq!(td["Family"], "fixture-app", "{td}");
    assert_eq!(td["Cpu"], "256");
    assert_eq!(td["Memory"], "512");
    assert_eq!(td["ContainerDefinitions"][0]["Name"], "app");
    assert_eq!(
        td["ContainerDefinitions"][0]["Image"],
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/fixture-app:latest"
    );
    assert!(td["ExecutionRoleArn"].is_object() && td["TaskRoleArn"].is_object());
    assert_eq!(td["Tags"][0]["Key"], "Name", "{td}");
    assert_eq!(td["Tags"][0]["Value"], "isolated-app");
    // The describe-only keys are reported as not carried over, not silently kept.
    assert!(p.services[0]
        .dropped_fields
        .contains(&"revision".to_string()));

    // And the same properties as the register shape, except what describe adds.
    let mut reg = common::isolated();
    reg.services[0].task_definition_path = common::fixture("isolated.json");
    let rt: serde_json::Value =
        serde_json::from_str(&synth(&plan(&reg).unwrap(), TemplateFormat::Json)).unwrap();
    let rtd = &rt["Resources"]["AppTaskDefinition"]["Properties"];
    for k in [
        "Family",
        "Cpu",
        "Memory",
        "NetworkMode",
        "Tags",
        "ExecutionRoleArn",
    ] {
        assert_eq!(td[k], rtd[k], "{k}");
    }
}

/// A task definition's own tags are kept, and moat's `Name` tag is added to them.
#[test]
fn task_definition_tags_are_merged_with_moats_name_tag() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::fixture("isolated.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["tags"] = serde_json::json!([{"key": "team", "value": "payments"}]);
    let path = dir.path().join("td.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let mut spec = common::isolated();
    spec.services[0].task_definition_path = path;
    let t: serde_json::Value =
        serde_json::from_str(&synth(&plan(&spec).unwrap(), TemplateFormat::Json)).unwrap();
    let tags = &t["Resources"]["AppTaskDefinition"]["Properties"]["Tags"];
    assert_eq!(tags[0]["Key"], "Name");
    assert_eq!(tags[1]["Key"], "team");
    assert_eq!(tags[1]["Value"], "payments");
}

/// Issue 13 bug 3: a FireLens `cloudwatch_logs` destination gets its log group created by the
/// template (with the spec's retention), as awslogs groups do, and the task definition refers
/// to it; the task role may write only to that group.
#[test]
fn firelens_cloudwatch_destination_gets_a_retained_log_group() {
    let spec = common::spec(
        "fl",
        "us-east-1",
        vec![common::service("app", "firelens.json")],
    );
    let p = plan(&spec).expect("plan");
    let names: Vec<&str> = p.log_groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["/app/main", "/ecs/firelens-router"]);
    assert!(p.log_groups.iter().all(|g| g.retention_days == 30));
    let t: serde_json::Value = serde_json::from_str(&synth(&p, TemplateFormat::Json)).unwrap();
    let group = &t["Resources"]["AppMainLogGroup"];
    assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{t}");
    assert_eq!(group["Properties"]["RetentionInDays"], 30);
    let opts = &t["Resources"]["AppTaskDefinition"]["Properties"]["ContainerDefinitions"][1]
        ["LogConfiguration"]["Options"];
    assert_eq!(opts["log_group_name"]["Ref"], "AppMainLogGroup", "{opts}");
    let writes: Vec<&String> = p.services[0]
        .task_role
        .iter()
        .filter(|s| s.actions.iter().any(|a| a == "logs:PutLogEvents"))
        .flat_map(|s| &s.resources)
        .collect();
    assert_eq!(
        writes,
        ["arn:aws:logs:us-east-1:123456789012:log-group:/app/main:*"]
    );
}

/// Issue 13 bug 6: with `account_id` set, no grant names account `*` — the egress gateway's
/// log permissions included (its task definition names no role to take the account from).
#[test]
fn grants_name_the_spec_account_not_a_wildcard() {
    let mut spec = common::isolated();
    spec.egress = Some(moat_spec::EgressSpec {
        mode: "enforce".into(),
        allow: vec!["api.example.com".into()],
        image: None,
    });
    let p = plan(&spec).unwrap();
    let mut resources: Vec<&String> = p.execution_role.iter().flat_map(|s| &s.resources).collect();
    for svc in &p.services {
        resources.extend(svc.task_role.iter().flat_map(|s| &s.resources));
    }
    let gateway_logs =
        "arn:aws:logs:us-east-1:123456789012:log-group:/moat/isolated/egress-gateway:*";
    assert!(
        resources.iter().any(|r| *r == gateway_logs),
        "{resources:?}"
    );
    for r in resources {
        assert_eq!(r.split(':').nth(4).filter(|a| *a == "*"), None, "{r}");
    }
}

/// Issue 13 bug 7: the plan states free addresses per subnet against the maximum task count,
/// and refuses a layout that cannot hold `autoscaling.max`, at the spec's `vpc_cidr`.
#[test]
fn plan_refuses_subnets_too_small_for_the_maximum_task_count() {
    let mut spec = common::full(); // 3 AZs, autoscaling 2..6, an ingress NLB
    spec.vpc_cidr = "10.20.0.0/24".parse().unwrap();
    spec.prov.set_field("vpc_cidr", 4, 12);
    let p = plan(&spec).expect("6 tasks fit three /28s");
    let c = &p.capacity;
    assert_eq!(c.max_tasks, 6);
    let interfaces = p.interface_endpoints().count() as u32;
    for s in &c.subnets {
        assert_eq!(s.size, 16);
        assert_eq!(s.free, 16 - 5 - interfaces - 1, "{s:?}");
        assert_eq!(s.tasks_at_max, 2);
    }
    let text = render_plan_text(&p);
    assert!(
        text.contains(&format!(
            "{} free of 16 addresses; tasks at the maximum count: 2",
            10 - interfaces
        )),
        "{text}"
    );

    spec.services[0].autoscaling.as_mut().unwrap().max = 40;
    let Err(
        e @ PlanError::Capacity {
            line: 4,
            column: 12,
            ..
        },
    ) = plan(&spec)
    else {
        panic!("40 tasks cannot fit")
    };
    assert!(e.to_string().contains("cannot hold 40 tasks"), "{e}");
}

/// Issue 13 item 15: plan text speaks to users: no internal seed numbers, costs with their
/// unit, and a design that costs more said as "more", not as a negative saving.
#[test]
fn plan_text_wording_for_users() {
    let p = plan(&common::full()).unwrap();
    assert!(
        p.cost.saving_vs_nat_usd < 0.0,
        "the full plan costs more than NAT"
    );
    let text = render_plan_text(&p);
    assert!(!text.to_lowercase().contains("seed"), "{text}");
    assert!(text.contains("Monthly cost (USD per month;"), "{text}");
    let nat = text
        .lines()
        .find(|l| l.contains("against one NAT gateway per AZ"))
        .unwrap();
    assert!(
        nat.ends_with("USD/month more") && !nat.contains("-"),
        "{nat}"
    );
}
