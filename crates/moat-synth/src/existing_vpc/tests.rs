//! The existing-VPC plan and template from a hand-built live model: what is reused, what is
//! asked of the network team, what the template leaves out.

use super::*;
use crate::template::TemplateFormat;
use moat_model::*;

const VPC: &str = "vpc-0a1b2c3d4e5f67890";
const SUBNETS: [&str; 2] = ["subnet-11111111", "subnet-22222222"];
const RTB: &str = "rtb-33333333";

fn known<T>(v: T) -> Maybe<T> {
    Maybe::Known(v)
}

fn prov(id: &str) -> Provenance {
    Provenance::resource(id)
}

/// A VPC with two subnets on one route table (local route only), the default NACL (allow
/// all), an ecr.api interface endpoint with private DNS on whose group admits HTTPS from the
/// VPC, and, when `s3`, an S3 gateway endpoint routed from the table.
fn live(s3: bool) -> Model {
    let mut m = Model {
        region: known("us-east-1".into()),
        ..Default::default()
    };
    m.vpcs.push(Vpc {
        id: Id::from(VPC),
        cidrs: vec![known("10.20.0.0/16".parse().unwrap())],
        dns_support: known(true),
        dns_hostnames: known(true),
        prov: prov(VPC),
    });
    for (i, s) in SUBNETS.iter().enumerate() {
        m.subnets.push(Subnet {
            id: Id::from(*s),
            vpc: known(Id::from(VPC)),
            cidr: known(format!("10.20.{i}.0/24").parse().unwrap()),
            az: known(format!("us-east-1{}", ["a", "b"][i])),
            map_public_ip: known(false),
            prov: prov(s),
        });
    }
    let mut routes = vec![Route {
        destination: known(RouteDestination::Cidr("10.20.0.0/16".parse().unwrap())),
        target: RouteTarget::Local,
        prov: prov(RTB),
    }];
    if s3 {
        routes.push(Route {
            destination: known(RouteDestination::PrefixList(known(Id::from("pl-63a5400a")))),
            target: RouteTarget::VpcEndpoint(known(Id::from("vpce-s3"))),
            prov: prov(RTB),
        });
    }
    m.route_tables.push(RouteTable {
        id: Id::from(RTB),
        vpc: known(Id::from(VPC)),
        main: true,
        subnets: vec![],
        routes,
        prov: prov(RTB),
    });
    let all = |egress| NaclEntry {
        rule_number: known(100),
        egress,
        protocol: known(Protocol::All),
        ports: known(None),
        cidr: known("0.0.0.0/0".parse().unwrap()),
        allow: known(true),
        prov: prov("acl-1"),
    };
    m.network_acls.push(NetworkAcl {
        id: Id::from("acl-1"),
        vpc: known(Id::from(VPC)),
        subnets: SUBNETS.iter().map(|s| known(Id::from(*s))).collect(),
        entries: vec![all(true), all(false)],
        default: true,
        prov: prov("acl-1"),
    });
    m.security_groups.push(SecurityGroup {
        id: Id::from("sg-endpoints"),
        vpc: known(Id::from(VPC)),
        ingress: vec![SgRule {
            protocol: known(Protocol::Tcp),
            ports: known(Some(PortRange::single(443))),
            peer: known(Peer::Cidr("10.20.0.0/16".parse().unwrap())),
            prov: prov("sg-endpoints"),
        }],
        egress: vec![],
        default: false,
        prov: prov("sg-endpoints"),
    });
    m.endpoints.push(VpcEndpoint {
        id: Id::from("vpce-ecrapi"),
        vpc: known(Id::from(VPC)),
        service: known("com.amazonaws.us-east-1.ecr.api".into()),
        kind: known(EndpointKind::Interface),
        subnets: SUBNETS.iter().map(|s| known(Id::from(*s))).collect(),
        security_groups: vec![known(Id::from("sg-endpoints"))],
        route_tables: vec![],
        private_dns: known(true),
        policy: None,
        prov: prov("vpce-ecrapi"),
    });
    if s3 {
        m.endpoints.push(VpcEndpoint {
            id: Id::from("vpce-s3"),
            vpc: known(Id::from(VPC)),
            service: known("com.amazonaws.us-east-1.s3".into()),
            kind: known(EndpointKind::Gateway),
            subnets: vec![],
            security_groups: vec![],
            route_tables: vec![known(Id::from(RTB))],
            private_dns: Maybe::unknown("gateway"),
            policy: None,
            prov: prov("vpce-s3"),
        });
    }
    m
}

fn spec(allow: bool) -> (moat_spec::Spec, moat_spec::SpecExtras, tempfile::TempDir) {
    spec_with(allow, "")
}

/// [`spec`] with more TOML appended.
fn spec_with(
    allow: bool,
    more_toml: &str,
) -> (moat_spec::Spec, moat_spec::SpecExtras, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/isolated-service");
    std::fs::copy(
        example.join("task-definition.json"),
        dir.path().join("task-definition.json"),
    )
    .unwrap();
    let toml = format!(
        "name = \"team-app\"\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n\n[[service]]\nname = \"app\"\ntask_definition = \"task-definition.json\"\n\n[vpc]\nid = \"{VPC}\"\nsubnet_ids = [\"{}\", \"{}\"]\nallow_route_changes = {allow}\n",
        SUBNETS[0], SUBNETS[1]
    ) + more_toml;
    std::fs::write(dir.path().join("moat.toml"), toml).unwrap();
    let (spec, extras) = moat_spec::load_with_extras(dir.path()).unwrap();
    (spec, extras, dir)
}

fn planned(allow: bool, live: &Model) -> (Plan, VpcPlan) {
    let (spec, extras, _dir) = spec(allow);
    let mut plan = crate::plan_with(&spec, &crate::PlanOptions::from_extras(&extras)).unwrap();
    let vp = adapt(&mut plan, extras.vpc.as_ref().unwrap(), live).unwrap();
    (plan, vp)
}

#[test]
fn reuses_the_private_dns_endpoint_and_adds_the_rest() {
    let (plan, vp) = planned(false, &live(true));
    let names: Vec<&str> = plan.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["ecr.dkr", "logs"],
        "only the missing endpoints are added"
    );
    let reused: Vec<(&str, &str)> = vp
        .reused
        .iter()
        .map(|r| (r.name.as_str(), r.id.as_str()))
        .collect();
    assert!(reused.contains(&("ecr.api", "vpce-ecrapi")), "{reused:?}");
    assert!(reused.contains(&("s3", "vpce-s3")), "{reused:?}");
    // Two interface endpoints in two AZs (and the assumed traffic): the cost of the additions
    // only, less than the three interface endpoints a VPC of moat's own would have.
    let hours = plan.endpoints.iter().map(|e| e.monthly_usd).sum::<f64>();
    assert!(
        (plan.cost.planned.hourly_usd - hours).abs() < 0.01,
        "{:?} vs {hours}",
        plan.cost.planned
    );
    assert_eq!(vp.additions_monthly_usd, plan.cost.planned.monthly_usd);
    let (spec, extras, _dir) = spec(false);
    let own = crate::plan_with(&spec, &crate::PlanOptions::from_extras(&extras)).unwrap();
    assert!(vp.additions_monthly_usd < own.cost.planned.monthly_usd);
    let text = render_text(&plan, &vp);
    assert!(
        text.contains(
            "ecr.api          vpce-ecrapi  interface endpoint in this VPC with private DNS on"
        ),
        "{text}"
    );
    // Only the DNS Firewall association is the network team's here.
    assert_eq!(vp.requests.len(), 1, "{:#?}", vp.requests);
    assert!(vp.requests[0].what.contains("DNS Firewall"));
}

#[test]
fn private_dns_off_is_not_reused() {
    let mut m = live(true);
    m.endpoints[0].private_dns = known(false);
    let (plan, vp) = planned(false, &m);
    assert!(plan.endpoints.iter().any(|e| e.name == "ecr.api"));
    assert!(
        vp.notes.iter().any(|n| n.contains("--private-dns-enabled")),
        "{:?}",
        vp.notes
    );
}

#[test]
fn missing_s3_route_is_a_request_made_only_when_allowed() {
    let (plan, vp) = planned(false, &live(false));
    let q = vp
        .requests
        .iter()
        .find(|q| q.what.contains("s3 gateway endpoint"))
        .expect("s3 request");
    assert!(!q.made_by_moat);
    assert!(
        q.api_call.contains(&format!(
            "aws ec2 create-vpc-endpoint --vpc-id {VPC} --vpc-endpoint-type Gateway"
        )),
        "{}",
        q.api_call
    );
    assert!(q.api_call.contains(RTB));
    assert!(q.template_snippet.contains("RouteTableIds: [rtb-33333333]"));
    assert!(
        !plan.has_s3_gateway(),
        "not made without allow_route_changes"
    );
    let yaml = template::synth(&plan, &vp, TemplateFormat::Yaml);
    assert!(!yaml.contains("VpcEndpointType: Gateway"), "{yaml}");
    assert!(!yaml.contains("FirewallRuleGroupAssociation"), "{yaml}");
    let text = render_text(&plan, &vp);
    assert!(text.contains("Requests for the network team:"), "{text}");

    let (plan, vp) = planned(true, &live(false));
    assert!(plan.has_s3_gateway());
    let yaml = template::synth(&plan, &vp, TemplateFormat::Yaml);
    assert!(yaml.contains("VpcEndpointType: Gateway"), "{yaml}");
    assert!(yaml.contains("- rtb-33333333"), "{yaml}");
    assert!(yaml.contains("FirewallRuleGroupAssociation"), "{yaml}");
}

#[test]
fn template_takes_the_vpc_and_subnets_as_parameters_and_creates_none() {
    let (plan, vp) = planned(false, &live(true));
    let yaml = template::synth(&plan, &vp, TemplateFormat::Yaml);
    for absent in [
        "\"AWS::EC2::VPC\"",
        "\"AWS::EC2::Subnet\"",
        "\"AWS::EC2::RouteTable\"",
        "SubnetRouteTableAssociation",
        "EcrApiEndpoint",
        "S3Endpoint",
        "!Ref Vpc\n",
        "TaskSubnet1",
    ] {
        assert!(!yaml.contains(absent), "{absent} in\n{yaml}");
    }
    assert!(yaml.contains("Parameters:\n  VpcId:\n    Type: \"AWS::EC2::VPC::Id\"\n    Default: vpc-0a1b2c3d4e5f67890"), "{yaml}");
    assert!(yaml.contains("Type: \"List<AWS::EC2::Subnet::Id>\"\n    Default: \"subnet-11111111,subnet-22222222\""), "{yaml}");
    assert!(yaml.contains("SubnetIds: !Ref SubnetIds"), "{yaml}");
    assert!(
        yaml.contains("DestinationSecurityGroupId: sg-endpoints"),
        "{yaml}"
    );
    // S3 through the reused gateway: the S3 prefix list parameter (filled by `moat deploy`),
    // declared as S3's list, and no 443 to 0.0.0.0/0.
    assert!(
        yaml.contains("DestinationPrefixListId: !Ref S3PrefixListId"),
        "{yaml}"
    );
    assert!(
        yaml.contains("managed_prefix_lists:\n      S3PrefixListId: s3"),
        "{yaml}"
    );
    assert!(!yaml.contains("CidrIp: 0.0.0.0/0"), "{yaml}");
    assert!(yaml.contains("EcrDkrEndpoint") && yaml.contains("LogsEndpoint"));
    // The JSON form says the same.
    let json: serde_json::Value =
        serde_json::from_str(&template::synth(&plan, &vp, TemplateFormat::Json)).unwrap();
    assert_eq!(json["Parameters"]["VpcId"]["Default"], VPC);
    assert!(json["Resources"].get("Vpc").is_none());
}

#[test]
fn endpoint_group_without_https_from_the_subnets_is_a_request() {
    let mut m = live(true);
    m.security_groups[0].ingress.clear();
    let (plan, vp) = planned(true, &m);
    let q = vp
        .requests
        .iter()
        .find(|q| q.what.contains("sg-endpoints"))
        .expect("request");
    assert!(
        q.api_call
            .starts_with("aws ec2 authorize-security-group-ingress --group-id sg-endpoints"),
        "{}",
        q.api_call
    );
    let yaml = template::synth(&plan, &vp, TemplateFormat::Yaml);
    assert!(
        yaml.contains("NetworkTeamIngress1:\n    Type: \"AWS::EC2::SecurityGroupIngress\""),
        "{yaml}"
    );
}

#[test]
fn nacl_that_denies_https_gets_entries_before_the_deny() {
    let mut m = live(true);
    m.network_acls[0].entries = vec![NaclEntry {
        rule_number: known(100),
        egress: true,
        protocol: known(Protocol::All),
        ports: known(None),
        cidr: known("0.0.0.0/0".parse().unwrap()),
        allow: known(false),
        prov: prov("acl-1"),
    }];
    let (_, vp) = planned(false, &m);
    let nacl: Vec<&NetworkRequest> = vp
        .requests
        .iter()
        .filter(|q| q.what.starts_with("network ACL acl-1"))
        .collect();
    assert!(nacl.iter().any(|q| q.api_call.contains("--egress --rule-number 99 --protocol tcp --port-range From=443,To=443 --cidr-block 10.20.0.0/16")), "{nacl:#?}");
    // Ingress has no entry at all: the implicit deny (32767) stops the replies.
    assert!(
        nacl.iter().any(|q| q.api_call.contains(
            "--ingress --rule-number 32766 --protocol tcp --port-range From=1024,To=65535"
        )),
        "{nacl:#?}"
    );
}

#[test]
fn default_route_through_a_transit_gateway_is_a_question() {
    let mut m = live(true);
    m.route_tables[0].routes.push(Route {
        destination: known(RouteDestination::Cidr("0.0.0.0/0".parse().unwrap())),
        target: RouteTarget::TransitGateway(known(Id::from("tgw-1"))),
        prov: prov(RTB),
    });
    let (plan, vp) = planned(false, &m);
    assert!(
        vp.questions
            .iter()
            .any(|q| q.contains("0.0.0.0/0 to transit gateway tgw-1: where does that path go?")),
        "{:?}",
        vp.questions
    );
    assert!(render_text(&plan, &vp).contains("Questions:"));
}

#[test]
fn subnet_outside_the_vpc_is_an_error() {
    let mut m = live(true);
    m.subnets.pop();
    let (spec, extras, _dir) = spec(false);
    let mut plan = crate::plan(&spec).unwrap();
    let err = adapt(&mut plan, extras.vpc.as_ref().unwrap(), &m)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("subnet subnet-22222222 is not in VPC"),
        "{err}"
    );
}

#[test]
fn custom_dhcp_name_servers_are_a_question() {
    let mut m = live(true);
    m.dhcp_options.push(DhcpOptions {
        id: Id::from("dopt-1"),
        domain_name_servers: vec![known("10.20.0.10".into())],
        vpcs: vec![known(Id::from(VPC))],
        prov: prov("dopt-1"),
    });
    let (_, vp) = planned(false, &m);
    assert!(
        vp.questions
            .iter()
            .any(|q| q.starts_with("DHCP options dopt-1 send DNS to 10.20.0.10")),
        "{:?}",
        vp.questions
    );
    m.dhcp_options[0].domain_name_servers = vec![known("AmazonProvidedDNS".into())];
    let (_, vp) = planned(false, &m);
    assert!(vp.questions.is_empty(), "{:?}", vp.questions);
}

/// A template parameter of the environment's own (a pull-through cache's credential) and the
/// existing VPC's parameters share one Parameters section (two `Parameters` keys would be a
/// template CloudFormation refuses).
#[test]
fn pull_through_credential_and_vpc_parameters_share_one_section() {
    let (_, _, dir) = spec_with(true, "\n[images]\npull_through = [\"docker.io\"]\n");
    let td = dir.path().join("task-definition.json");
    let text = std::fs::read_to_string(&td).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let image = v["containerDefinitions"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&td, text.replace(&image, "nginx:1.27")).unwrap();
    let (spec, extras) = moat_spec::load_with_extras(dir.path()).unwrap();
    assert!(!spec.pull_through.is_empty());
    let mut plan = crate::plan_with(&spec, &crate::PlanOptions::from_extras(&extras)).unwrap();
    let vp = adapt(&mut plan, extras.vpc.as_ref().unwrap(), &live(true)).unwrap();
    let yaml = template::synth(&plan, &vp, TemplateFormat::Yaml);
    assert_eq!(yaml.matches("\nParameters:").count(), 1, "{yaml}");
    let json: serde_json::Value =
        serde_json::from_str(&template::synth(&plan, &vp, TemplateFormat::Json)).unwrap();
    let params = json["Parameters"].as_object().unwrap();
    assert!(params.contains_key("VpcId") && params.contains_key("SubnetIds"));
    assert!(
        params.keys().any(|k| k.contains("PullThrough")),
        "{params:?}"
    );
}
