//! The check of an existing-VPC deployment, offline: a hand-built live model of the network
//! team's VPC (what `moat_aws::audit` returns), the plan into it, the template with `VpcId` /
//! `SubnetIds` parameters read back by moat-cfn, merged with the live model and proved. The
//! tasks must reach every service they need through the reused endpoint and moat's own, and a
//! missing S3 route (not allowed to be made) must be an error, never a silent pass.

use moat_model::*;
use std::path::Path;

const VPC: &str = "vpc-0a1b2c3d4e5f67890";
const SUBNETS: [&str; 2] = ["subnet-11111111", "subnet-22222222"];
const RTB: &str = "rtb-33333333";

fn k<T>(v: T) -> Maybe<T> {
    Maybe::Known(v)
}

fn p(id: &str) -> Provenance {
    Provenance::resource(id)
}

/// Two subnets on the main route table (local route only), the default NACL (allow all), an
/// ecr.api endpoint with private DNS on whose group admits HTTPS from the VPC; with `s3`, an
/// S3 gateway endpoint routed from the table.
fn live(s3: bool) -> Model {
    let mut m = Model {
        region: k("us-east-1".into()),
        account_id: k("123456789012".into()),
        ..Default::default()
    };
    m.vpcs.push(Vpc {
        id: Id::from(VPC),
        cidrs: vec![k("10.20.0.0/16".parse().unwrap())],
        dns_support: k(true),
        dns_hostnames: k(true),
        prov: p(VPC),
    });
    for (i, s) in SUBNETS.iter().enumerate() {
        m.subnets.push(Subnet {
            id: Id::from(*s),
            vpc: k(Id::from(VPC)),
            cidr: k(format!("10.20.{i}.0/24").parse().unwrap()),
            az: k(format!("us-east-1{}", ["a", "b"][i])),
            map_public_ip: k(false),
            prov: p(s),
        });
    }
    let mut routes = vec![Route {
        destination: k(RouteDestination::Cidr("10.20.0.0/16".parse().unwrap())),
        target: RouteTarget::Local,
        prov: p(RTB),
    }];
    if s3 {
        routes.push(Route {
            destination: k(RouteDestination::PrefixList(k(Id::from("pl-63a5400a")))),
            target: RouteTarget::VpcEndpoint(k(Id::from("vpce-s3"))),
            prov: p(RTB),
        });
    }
    m.route_tables.push(RouteTable {
        id: Id::from(RTB),
        vpc: k(Id::from(VPC)),
        main: true,
        subnets: vec![],
        routes,
        prov: p(RTB),
    });
    let entry = |egress, number, allow| NaclEntry {
        rule_number: k(number),
        egress,
        protocol: k(Protocol::All),
        ports: k(None),
        cidr: k("0.0.0.0/0".parse().unwrap()),
        allow: k(allow),
        prov: p("acl-1"),
    };
    m.network_acls.push(NetworkAcl {
        id: Id::from("acl-1"),
        vpc: k(Id::from(VPC)),
        subnets: SUBNETS.iter().map(|s| k(Id::from(*s))).collect(),
        entries: vec![
            entry(true, 100, true),
            entry(false, 100, true),
            entry(true, 32767, false),
            entry(false, 32767, false),
        ],
        default: true,
        prov: p("acl-1"),
    });
    m.security_groups.push(SecurityGroup {
        id: Id::from("sg-endpoints"),
        vpc: k(Id::from(VPC)),
        ingress: vec![SgRule {
            protocol: k(Protocol::Tcp),
            ports: k(Some(PortRange::single(443))),
            peer: k(Peer::Cidr("10.20.0.0/16".parse().unwrap())),
            prov: p("sg-endpoints"),
        }],
        egress: vec![],
        default: false,
        prov: p("sg-endpoints"),
    });
    m.endpoints.push(VpcEndpoint {
        id: Id::from("vpce-ecrapi"),
        vpc: k(Id::from(VPC)),
        service: k("com.amazonaws.us-east-1.ecr.api".into()),
        kind: k(EndpointKind::Interface),
        subnets: SUBNETS.iter().map(|s| k(Id::from(*s))).collect(),
        security_groups: vec![k(Id::from("sg-endpoints"))],
        route_tables: vec![],
        private_dns: k(true),
        policy: None,
        prov: p("vpce-ecrapi"),
    });
    if s3 {
        m.endpoints.push(VpcEndpoint {
            id: Id::from("vpce-s3"),
            vpc: k(Id::from(VPC)),
            service: k("com.amazonaws.us-east-1.s3".into()),
            kind: k(EndpointKind::Gateway),
            subnets: vec![],
            security_groups: vec![],
            route_tables: vec![k(Id::from(RTB))],
            private_dns: Maybe::unknown("a gateway endpoint has no private DNS"),
            policy: None,
            prov: p("vpce-s3"),
        });
    }
    m
}

/// Plan, synth, read back and prove the combination; the findings and properties.
fn prove(live: &Model, allow: bool) -> (Vec<Finding>, Vec<Property>, String) {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service");
    std::fs::copy(
        example.join("task-definition.json"),
        dir.path().join("task-definition.json"),
    )
    .unwrap();
    let toml = format!(
        "name = \"team-app\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\necr_repositories = [\"isolated-service\"]\n\n[[service]]\nname = \"app\"\ntask_definition = \"task-definition.json\"\n\n[vpc]\nid = \"{VPC}\"\nsubnet_ids = [\"{}\", \"{}\"]\nallow_route_changes = {allow}\n\n[dns]\nfirewall = false\n",
        SUBNETS[0], SUBNETS[1]
    );
    std::fs::write(dir.path().join("moat.toml"), toml).unwrap();
    let (spec, extras) = moat_spec::load_with_extras(dir.path()).unwrap();
    let mut plan =
        moat_synth::plan_with(&spec, &moat_synth::PlanOptions::from_extras(&extras)).unwrap();
    let vp =
        moat_synth::existing_vpc::adapt(&mut plan, extras.vpc.as_ref().unwrap(), live).unwrap();
    let yaml =
        moat_synth::existing_vpc::template::synth(&plan, &vp, moat_synth::TemplateFormat::Yaml);
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "team-app".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded =
        moat_cfn::load_str("template.yaml", &yaml, &opts).expect("the template reads back");
    let mut findings = Vec::new();
    let mut properties = Vec::new();
    for sc in loaded.roots.iter().flat_map(|r| &r.scenarios) {
        let mut merged = live.clone();
        merged.absorb(sc.model.clone());
        let proof = moat_verify::prove(
            &merged,
            &moat_verify::Options {
                region: "us-east-1".into(),
            },
        );
        findings.extend(proof.findings);
        properties.extend(proof.properties);
    }
    (findings, properties, yaml)
}

#[test]
fn the_combination_reaches_every_service_through_reused_and_added_endpoints() {
    let (findings, properties, yaml) = prove(&live(true), false);
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{yaml}");
    let reach: Vec<&Property> = properties
        .iter()
        .filter(|p| p.kind == PropertyKind::Reach)
        .collect();
    assert!(
        !reach.is_empty(),
        "no reachability property was decided: {properties:#?}"
    );
    let open: Vec<&&Property> = reach
        .iter()
        .filter(|p| p.verdict != Verdict::Proved)
        .collect();
    assert!(open.is_empty(), "reachability not proved: {open:#?}");
}

#[test]
fn a_missing_s3_route_not_allowed_is_an_error_in_the_combination() {
    let (findings, _, yaml) = prove(&live(false), false);
    assert!(!yaml.contains("VpcEndpointType: Gateway"));
    assert!(
        findings.iter().any(|f| f.severity == Severity::Error && f.message.to_ascii_lowercase().contains("s3")),
        "{findings:#?}"
    );
    // Allowed, moat's own gateway endpoint on the network team's table closes it.
    let (findings, _, yaml) = prove(&live(false), true);
    assert!(yaml.contains("VpcEndpointType: Gateway"), "{yaml}");
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
