//! The seed-001 templates (isolated VPC, cluster, private service, parent with nested stacks).

use moat_cfn::{load_paths, LoadOptions};
use moat_model::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn opts() -> LoadOptions {
    let mut o = LoadOptions {
        region: Some("eu-west-1".into()),
        account_id: Some("111122223333".into()),
        ..LoadOptions::default()
    };
    o.parameters.insert(
        "ImageUri".into(),
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1".into(),
    );
    o
}

#[test]
fn parent_loads_whole_tree() {
    let loaded = load_paths(&[fixture("parent.yml")], &opts()).unwrap();
    assert_eq!(loaded.roots.len(), 1);
    let root = &loaded.roots[0];
    // DeployingToEC2 defaults to false: one scenario, no assumptions.
    assert_eq!(root.scenarios.len(), 1, "{:?}", root.notes);
    assert!(root.scenarios[0].assumptions.is_empty());
    let m = &root.scenarios[0].model;

    let vpc = m.vpc(&Id::from("VpcStack/VPC")).expect("vpc");
    assert_eq!(vpc.dns_support, Maybe::Known(true));
    assert_eq!(vpc.dns_hostnames, Maybe::Known(true));
    assert_eq!(
        vpc.cidrs,
        vec![Maybe::Known("10.0.0.0/16".parse().unwrap())]
    );
    assert_eq!(
        vpc.prov
            .file
            .as_deref()
            .map(|f| f.ends_with("isolated-vpc.yml")),
        Some(true)
    );
    assert_eq!(vpc.prov.line, Some(43));

    assert_eq!(m.subnets.len(), 2);
    let azs: Vec<_> = m
        .subnets
        .iter()
        .map(|s| s.az.why_unknown().unwrap_or("").to_string())
        .collect();
    assert!(azs[0].contains("#0 of eu-west-1"), "{azs:?}");
    assert!(azs[1].contains("#1 of eu-west-1"), "{azs:?}");
    assert_eq!(m.subnets[1].vpc, Maybe::Known(Id::from("VpcStack/VPC")));

    let rt = m.route_table(&Id::from("VpcStack/RouteTable")).unwrap();
    assert_eq!(rt.subnets.len(), 2);
    assert!(rt.routes.is_empty());

    // 1 gateway + 6 interface endpoints; the 3 EC2-only ones are absent.
    assert_eq!(m.endpoints.len(), 7);
    let names: Vec<_> = m
        .endpoints
        .iter()
        .filter_map(|e| e.service.known().cloned())
        .collect();
    assert!(names.contains(&"com.amazonaws.eu-west-1.ecr.dkr".to_string()));
    assert!(!names.iter().any(|n| n.ends_with(".ecs")));
    let s3 = m.endpoint(&Id::from("VpcStack/S3Endpoint")).unwrap();
    assert_eq!(s3.kind, Maybe::Known(EndpointKind::Gateway));
    assert_eq!(
        s3.route_tables,
        vec![Maybe::Known(Id::from("VpcStack/RouteTable"))]
    );
    let logs = m
        .endpoint(&Id::from("VpcStack/CloudWatchLogsEndpoint"))
        .unwrap();
    assert_eq!(logs.private_dns, Maybe::Known(true));
    assert!(logs.prov.fields.contains_key("private_dns"));

    let svc = &m.services[0];
    assert_eq!(svc.id, Id::from("ServiceStack/Service"));
    assert_eq!(svc.assign_public_ip, Maybe::Known(false));
    assert_eq!(svc.launch_type, Maybe::Known(LaunchType::Fargate));
    assert_eq!(svc.desired_count, Maybe::Known(2));
    assert_eq!(
        svc.cluster,
        Maybe::Known(Id::from("ClusterStack/ECSCluster"))
    );
    assert_eq!(
        svc.task_definition,
        Maybe::Known(Id::from("ServiceStack/TaskDefinition"))
    );
    assert_eq!(
        svc.subnets,
        vec![
            Maybe::Known(Id::from("VpcStack/PrivateSubnetOne")),
            Maybe::Known(Id::from("VpcStack/PrivateSubnetTwo"))
        ]
    );
    assert_eq!(
        svc.security_groups,
        vec![Maybe::Known(Id::from("ServiceStack/ServiceSecurityGroup"))]
    );
    assert!(svc.prov.fields.contains_key("assign_public_ip"));

    let sg = m
        .security_group(&Id::from("ServiceStack/ServiceSecurityGroup"))
        .unwrap();
    assert_eq!(sg.vpc, Maybe::Known(Id::from("VpcStack/VPC")));
    assert_eq!(sg.egress.len(), 1, "default allow-all egress");
    assert_eq!(sg.egress[0].protocol, Maybe::Known(Protocol::All));
    // The endpoint SG gets its own self rule and the service's rule from the other stack.
    let ep_sg = m
        .security_group(&Id::from("VpcStack/SecurityGroup"))
        .unwrap();
    let peers: Vec<_> = ep_sg.ingress.iter().map(|r| r.peer.clone()).collect();
    assert!(
        peers.contains(&Maybe::Known(Peer::SecurityGroup(Maybe::Known(Id::from(
            "ServiceStack/ServiceSecurityGroup"
        )))))
    );
    assert_eq!(ep_sg.ingress.len(), 2);

    let td = m
        .task_definition(&Id::from("ServiceStack/TaskDefinition"))
        .unwrap();
    assert_eq!(
        td.execution_role,
        Some(Maybe::Known("ClusterStack/ECSTaskExecutionRole".into()))
    );
    assert_eq!(td.network_mode, Maybe::Known("awsvpc".into()));
    let c = &td.containers[0];
    assert_eq!(
        c.image,
        Maybe::Known("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1".into())
    );
    let log = c.log.as_ref().unwrap();
    assert_eq!(log.driver, Maybe::Known("awslogs".into()));
    // A Ref to a log group is its name; without LogGroupName, AWS generates it: a stand-in that
    // names this log group (and matches a grant on its `Arn`), never a real name.
    assert_eq!(
        log.options.get("awslogs-group"),
        Some(&Maybe::Known(
            "{AWS-assigned name of ServiceStack/LogGroup}".into()
        ))
    );
    assert_eq!(
        log.options.get("awslogs-region"),
        Some(&Maybe::Known("eu-west-1".into()))
    );

    let role = m
        .role(&Id::from("ClusterStack/ECSTaskExecutionRole"))
        .unwrap();
    assert_eq!(
        role.managed_policy_arns,
        vec![Maybe::Known(
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".into()
        )]
    );
    assert_eq!(
        role.trusted_services,
        vec!["ecs-tasks.amazonaws.com".to_string()]
    );
    assert!(role.trust_has_source_conditions);
    assert_eq!(m.clusters[0].container_insights, Maybe::Known(true));
    assert_eq!(m.log_groups.len(), 1);
}

#[test]
fn directory_skips_nested_templates_as_roots() {
    let loaded = load_paths(&[fixture("")], &opts()).unwrap();
    let roots: Vec<_> = loaded
        .roots
        .iter()
        .filter_map(|r| r.path.file_name()?.to_str())
        .collect();
    assert!(roots.contains(&"parent.yml"), "{roots:?}");
    assert!(!roots.contains(&"cluster.yml"), "{roots:?}");
    assert!(loaded.sources.len() >= 4);
}

#[test]
fn unknown_parameter_forks_scenarios() {
    // Standalone, private-service.yml has parameters without defaults; isolated-vpc with an
    // unknown DeployingToEC2 would fork. Give DeployingToEC2 no default through a variant.
    let text = std::fs::read_to_string(fixture("isolated-vpc.yml"))
        .unwrap()
        .replace("    Default: false\n", "");
    let loaded = moat_cfn::load_str(fixture("v.yml").to_str().unwrap(), &text, &opts()).unwrap();
    let sc = &loaded.roots[0].scenarios;
    assert_eq!(sc.len(), 2);
    let counts: Vec<_> = sc
        .iter()
        .map(|s| (s.assumptions.clone(), s.model.endpoints.len()))
        .collect();
    assert!(
        counts.contains(&(vec![("CreateEcsOnEc2Resources".into(), true)], 10)),
        "{counts:?}"
    );
    assert!(
        counts.contains(&(vec![("CreateEcsOnEc2Resources".into(), false)], 7)),
        "{counts:?}"
    );
}
