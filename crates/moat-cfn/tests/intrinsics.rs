//! One test per intrinsic function, through `load_str` and the lowered model.

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn subnet_cidr_az(props: &str) -> (Maybe<ipnet::Ipv4Net>, Maybe<String>) {
    let t = format!(
        "Parameters:\n  P:\n    Type: String\n    Default: 10.1.0.0/16\n  NoDef:\n    Type: String\nMappings:\n  M:\n    K:\n      C: 10.2.0.0/24\nConditions:\n  Yes: !Equals [a, a]\nResources:\n  V:\n    Type: AWS::EC2::VPC\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n{props}"
    );
    let o = LoadOptions {
        region: Some("eu-west-2".into()),
        ..LoadOptions::default()
    };
    let l = load_str("t.yml", &t, &o).unwrap();
    let s = &l.roots[0].scenarios[0].model.subnets[0];
    (s.cidr.clone(), s.az.clone())
}

fn net(s: &str) -> Maybe<ipnet::Ipv4Net> {
    Maybe::Known(s.parse().unwrap())
}

#[test]
fn ref_parameter_default_and_missing() {
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !Ref P\n").0,
        net("10.1.0.0/16")
    );
    let (c, _) = subnet_cidr_az("      CidrBlock: !Ref NoDef\n");
    assert_eq!(
        c.why_unknown(),
        Some("parameter NoDef has no default and no value was given")
    );
}

#[test]
fn sub_and_pseudo_parameters() {
    let (_, az) = subnet_cidr_az(
        "      AvailabilityZone: !Sub '${AWS::Region}a-${AWS::Partition}-${!Lit}'\n",
    );
    assert_eq!(az, Maybe::Known("eu-west-2a-aws-${Lit}".into()));
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Sub ['${X}b', {X: !Ref AWS::Region}]\n");
    assert_eq!(az, Maybe::Known("eu-west-2b".into()));
}

#[test]
fn get_att_is_unknown_when_aws_assigns_it() {
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !GetAtt V.CidrBlockAssociations\n");
    assert_eq!(
        az.why_unknown(),
        Some("V.CidrBlockAssociations is assigned by AWS")
    );
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !GetAtt [V, DefaultSecurityGroup]\n");
    assert!(az.why_unknown().is_some());
}

#[test]
fn if_select_join_split() {
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !If [Yes, 10.3.0.0/24, 10.4.0.0/24]\n").0,
        net("10.3.0.0/24")
    );
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !Select [1, [a, 10.5.0.0/24]]\n").0,
        net("10.5.0.0/24")
    );
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !Join ['.', ['10', '6', '0', 0/24]]\n").0,
        net("10.6.0.0/24")
    );
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !Select [2, !Split [',', 'a,b,10.7.0.0/24']]\n").0,
        net("10.7.0.0/24")
    );
}

#[test]
fn find_in_map_get_azs_import_base64_cidr() {
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !FindInMap [M, K, C]\n").0,
        net("10.2.0.0/24")
    );
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Select [1, !GetAZs '']\n");
    assert!(az.why_unknown().unwrap().contains("#1 of eu-west-2"));
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !ImportValue shared-az\n");
    let why = az.why_unknown().unwrap();
    assert!(
        why.contains("Fn::ImportValue shared-az")
            && why.contains("pass the template that exports it too"),
        "{why}"
    );
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Base64 hi\n");
    assert_eq!(az, Maybe::Known("aGk=".into()));
    assert_eq!(
        subnet_cidr_az("      CidrBlock: !Select [2, !Cidr [10.0.0.0/16, 4, 8]]\n").0,
        net("10.0.2.0/24")
    );
}

#[test]
fn no_value_removes_property() {
    let (c, _) = subnet_cidr_az("      CidrBlock: !If [Yes, !Ref AWS::NoValue, 10.0.0.0/24]\n");
    assert_eq!(c.why_unknown(), Some("CidrBlock not set (IPAM pool?)"));
}

#[test]
fn json_template_with_positions() {
    let t = "{\n  \"Resources\": {\n    \"Sg\": {\n      \"Type\": \"AWS::EC2::SecurityGroup\",\n      \"Properties\": {\"GroupDescription\": \"x\", \"VpcId\": \"vpc-1\",\n        \"SecurityGroupEgress\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 443, \"ToPort\": 443, \"CidrIp\": \"10.0.0.0/8\"}]}\n    }\n  }\n}";
    let l = load_str("t.json", t, &LoadOptions::default()).unwrap();
    let sg = &l.roots[0].scenarios[0].model.security_groups[0];
    assert_eq!((sg.prov.line, sg.prov.column), (Some(3), Some(5)));
    assert_eq!(
        sg.egress.len(),
        1,
        "explicit egress replaces the default rule"
    );
    assert_eq!(sg.egress[0].admits_tcp_port(443), Some(true));
    assert_eq!(sg.vpc, Maybe::Known(Id::from("vpc-1")));
}

#[test]
fn routes_classify_gateways() {
    let t = "Parameters:\n  Gw:\n    Type: String\nResources:\n  Igw:\n    Type: AWS::EC2::InternetGateway\n  Rt:\n    Type: AWS::EC2::RouteTable\n    Properties: {VpcId: vpc-1}\n  R1:\n    Type: AWS::EC2::Route\n    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}\n  R2:\n    Type: AWS::EC2::Route\n    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 10.9.0.0/16, GatewayId: !Ref Gw}\n  R3:\n    Type: AWS::EC2::Route\n    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 10.8.0.0/16, NatGatewayId: nat-1}\n";
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap();
    let rt = &l.roots[0].scenarios[0].model.route_tables[0];
    assert_eq!(
        rt.routes[0].target,
        RouteTarget::InternetGateway(Maybe::Known(Id::from("Igw")))
    );
    assert!(matches!(
        rt.routes[1].target,
        RouteTarget::UnknownGateway(_)
    ));
    assert_eq!(
        rt.routes[2].target,
        RouteTarget::NatGateway(Maybe::Known(Id::from("nat-1")))
    );
    assert!(rt.routes[0].prov.fields.contains_key("target"));
}

#[test]
fn parameter_file_and_options() {
    let p = moat_cfn::parse_parameter_file(
        "p.json",
        r#"[{"ParameterKey":"P","ParameterValue":"10.9.0.0/16"}]"#,
    )
    .unwrap();
    let t = "Parameters:\n  P:\n    Type: String\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref P}\n";
    let o = LoadOptions {
        parameters: p,
        ..LoadOptions::default()
    };
    let l = load_str("t.yml", t, &o).unwrap();
    assert_eq!(
        l.roots[0].scenarios[0].model.vpcs[0].cidrs[0],
        net("10.9.0.0/16")
    );
}

#[test]
fn embedded_resource_refs_are_physical_names_not_ids() {
    // Alone or comma-joined, a resource Ref names the resource; inside other text it is the
    // physical name AWS assigns.
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Sub '${V}'\n");
    assert_eq!(az, Maybe::Known("V".into()));
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Sub 'arn:aws:ec2:::vpc/${V}'\n");
    assert_eq!(
        az.why_unknown(),
        Some("Fn::Sub embeds the physical name of V, which AWS assigns")
    );
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Join ['', ['vpc/', !Ref V]]\n");
    assert_eq!(
        az.why_unknown(),
        Some("Fn::Join embeds the physical name of V, which AWS assigns")
    );
    let (_, az) = subnet_cidr_az("      AvailabilityZone: !Join [',', [!Ref V, subnet-1]]\n");
    assert_eq!(az, Maybe::Known("V,subnet-1".into()));
}
