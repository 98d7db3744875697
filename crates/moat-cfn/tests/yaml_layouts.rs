//! Template layouts and functions CloudFormation accepts must load (issue 10, items 3 and 5).

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn model(t: &str) -> Model {
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    l.roots[0].scenarios[0].model.clone()
}

/// A flow sequence whose items and closing bracket sit at the key's column (PyYAML and
/// CloudFormation accept it; strict YAML 1.2 parsers do not).
#[test]
fn flow_sequence_closed_at_the_key_column() {
    let m = model(
        "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      VpcId: vpc-1\n      SecurityGroupIngress: [\n      {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/16}\n      ]\n      GroupDescription: x\n",
    );
    let sg = &m.security_groups[0];
    assert_eq!(sg.ingress.len(), 1);
    assert_eq!(
        sg.ingress[0].peer,
        Maybe::Known(Peer::Cidr("10.0.0.0/16".parse().unwrap()))
    );
    // Positions stay those of the source: the rule's mapping is on line 7, column 7.
    assert_eq!(
        (sg.ingress[0].prov.line, sg.ingress[0].prov.column),
        (Some(7), Some(7))
    );
    // In a block sequence item too (`- Key: [` … `]` at the key's column).
    let m = model(
        "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: r\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: [\n                s3:GetObject\n                ]\n                Resource: '*'\n",
    );
    assert_eq!(
        m.roles[0].statements[0].actions,
        vec![Maybe::Known("s3:GetObject".into())]
    );
}

/// A double- or single-quoted scalar continued on the next line at the key's column folds into
/// one line, as PyYAML reads it.
#[test]
fn quoted_scalar_continued_at_the_key_column() {
    for q in ['"', '\''] {
        let m = model(&format!(
            "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: vpc-1\n      CidrBlock: 10.0.0.0/24\n      AvailabilityZone: {q}eu-west-1\n      a{q}\n"
        ));
        assert_eq!(m.subnets[0].az, Maybe::Known("eu-west-1 a".into()), "{q}");
        assert_eq!(m.subnets[0].prov.line, Some(2));
    }
}

/// JSON indented with tabs (common in hand-written JSON templates) loads.
#[test]
fn tab_indented_json() {
    let m = model("{\n\t\"Resources\": {\n\t\t\"V\": {\n\t\t\t\"Type\": \"AWS::EC2::VPC\",\n\t\t\t\"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"}\n\t\t}\n\t}\n}\n");
    assert_eq!(m.vpcs[0].prov.line, Some(3));
    assert_eq!(m.vpcs[0].prov.column, Some(3));
}

/// Rules-only functions load in short and long form; the Rules section is not evaluated.
#[test]
fn rules_functions_load_in_both_forms() {
    let short = "Parameters:\n  Env:\n    Type: String\n    Default: prod\n  Subnets:\n    Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-1\nRules:\n  R1:\n    RuleCondition: !Contains [[prod, test], !Ref Env]\n    Assertions:\n      - Assert: !EachMemberEquals [!ValueOfAll [AWS::EC2::Subnet::Id, VpcId], vpc-1]\n      - Assert: !EachMemberIn [!ValueOf [Subnets, VpcId], !RefAll AWS::EC2::VPC::Id]\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
    assert_eq!(model(short).vpcs.len(), 1);
    let long = "Rules:\n  R1:\n    Assertions:\n      - Assert:\n          Fn::Contains: [[a], {Fn::ValueOf: [P, K]}]\n      - Assert: {Fn::EachMemberIn: [{Fn::ValueOfAll: [T, K]}, {Fn::RefAll: T}]}\n      - Assert: {Fn::EachMemberEquals: [[a], a]}\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
    assert_eq!(model(long).vpcs.len(), 1);
    // Outside Rules they are an error, with the position.
    let e = load_str(
        "t.yml",
        "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !ValueOf [P, K]\n",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("t.yml:5:18: Rules functions (Fn::Contains"),
        "{e}"
    );
}

/// `Fn::GetStackOutput` (long and short form) loads and is an unknown naming the producer.
#[test]
fn get_stack_output_is_an_unknown_naming_the_producer() {
    for f in [
        "Fn::GetStackOutput: {StackName: net, OutputName: VpcCidr, Region: eu-west-1}",
        "!GetStackOutput {StackName: net, OutputName: VpcCidr, Region: eu-west-1}",
    ] {
        let m = model(&format!(
            "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock:\n        {f}\n"
        ));
        assert_eq!(
            m.vpcs[0].cidrs[0].why_unknown(),
            Some("Fn::GetStackOutput net.VpcCidr: stack net (eu-west-1) is not among the inputs; pass its template too"),
            "{f}"
        );
    }
}

/// Rain's directives are a preprocessor format: refused with a message that says so.
#[test]
fn rain_directives_are_refused_clearly() {
    let e = load_str(
        "t.yml",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile: !Rain::Embed handler.py\n",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.yml:6:18: `!Rain::Embed` is a Rain directive, not CloudFormation: package the template with `rain pkg` and check its output"
    );
}

/// `!` alone is YAML's non-specific tag (the node as written), not a function.
#[test]
fn non_specific_tag_is_no_function() {
    let m = model(
        "Parameters:\n  R:\n    Type: String\n    Default: eu-west-3\nResources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: vpc-1\n      CidrBlock: 10.0.0.0/24\n      AvailabilityZone: !Join ['', [! \"Ref\": \"R\", a]]\n",
    );
    assert_eq!(m.subnets[0].az, Maybe::Known("eu-west-3a".into()));
}

/// Rain directives written in JSON (`"Type": {"Rain::Module": …}`) get the same message.
#[test]
fn rain_directives_in_json_are_refused_clearly() {
    let e = load_str(
        "t.json",
        "{\"Resources\": {\"Net\": {\"Type\": {\"Rain::Module\": \"vpc.yml\"}}}}",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.json:1:33: `Rain::Module` is a Rain directive, not CloudFormation: package the template with `rain pkg` and check its output"
    );
}
