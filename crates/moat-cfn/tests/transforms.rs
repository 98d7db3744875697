//! `Fn::ForEach` (AWS::LanguageExtensions) and SAM's generated resources (issue 10, item 3).

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn load(t: &str) -> moat_cfn::Loaded {
    load_str("t.yml", t, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn for_each_expands_resources_with_both_identifier_forms() {
    let l = load(
        "Transform: AWS::LanguageExtensions\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  Fn::ForEach::Subnets:\n    - Cidr\n    - [10.0.1.0/24, 10.0.2.0/24]\n    - Subnet&{Cidr}:\n        Type: AWS::EC2::Subnet\n        Properties:\n          VpcId: !Ref V\n          CidrBlock: ${Cidr}\n          AvailabilityZone: !Sub 'az-${Cidr}'\n",
    );
    let m = &l.roots[0].scenarios[0].model;
    let ids: Vec<&str> = m.subnets.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["Subnet1001024", "Subnet1002024"]);
    assert_eq!(
        m.subnets[1].cidr,
        Maybe::Known("10.0.2.0/24".parse().unwrap())
    );
    assert_eq!(m.subnets[0].az, Maybe::Known("az-10.0.1.0/24".into()));
    assert_eq!(m.subnets[0].vpc, Maybe::Known(Id::from("V")));
    // Positions are those of the loop's fragment.
    assert_eq!(m.subnets[0].prov.line, Some(10));
}

#[test]
fn for_each_nested_with_ref_identifier_collection_from_parameter_and_outputs() {
    let l = load(
        "Transform: [AWS::LanguageExtensions]\nParameters:\n  Names:\n    Type: CommaDelimitedList\n    Default: a,b\nConditions:\n  Fn::ForEach::Conds:\n    - N\n    - !Ref Names\n    - Is${N}: !Equals [!Ref N, a]\nResources:\n  Fn::ForEach::Outer:\n    - N\n    - !Ref Names\n    - Fn::ForEach::Inner:\n        - Port\n        - ['80', '443']\n        - Sg${N}${Port}:\n            Type: AWS::EC2::SecurityGroup\n            Condition: Is${N}\n            Properties:\n              GroupDescription: !Ref N\n              VpcId: vpc-1\n              SecurityGroupIngress:\n                - {IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: 10.0.0.0/8}\nOutputs:\n  Fn::ForEach::Outs:\n    - N\n    - !Ref Names\n    - Out${N}:\n        Value: !GetAtt [!Sub 'Sg${N}80', GroupId]\n",
    );
    let m = &l.roots[0].scenarios[0].model;
    let ids: Vec<&str> = m.security_groups.iter().map(|s| s.id.as_str()).collect();
    // `Isb` is false: only the `a` groups exist.
    assert_eq!(ids, ["Sga80", "Sga443"]);
    assert_eq!(
        m.security_groups[1].ingress[0].ports,
        Maybe::Known(Some(PortRange { from: 443, to: 443 }))
    );
}

#[test]
fn for_each_without_the_transform_is_refused_as_cloudformation_does() {
    let e = load_str(
        "t.yml",
        "Resources:\n  Fn::ForEach::X:\n    - N\n    - [a]\n    - R${N}:\n        Type: AWS::SNS::Topic\n",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.yml:1:1: Fn::ForEach needs `Transform: AWS::LanguageExtensions`"
    );
}

#[test]
fn for_each_over_an_unknown_collection_is_a_note() {
    let l = load(
        "Transform: AWS::LanguageExtensions\nParameters:\n  Names:\n    Type: CommaDelimitedList\nResources:\n  Fn::ForEach::T:\n    - N\n    - !Ref Names\n    - Topic${N}:\n        Type: AWS::SNS::Topic\n",
    );
    assert!(
        l.roots[0]
            .notes
            .iter()
            .any(|n| n.contains("the collection of Fn::ForEach::T is unknown")),
        "{:?}",
        l.roots[0].notes
    );
}

#[test]
fn sam_generated_role_and_alias_are_referenceable() {
    let l = load(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: x\n      Runtime: python3.12\n      AutoPublishAlias: live\n      Events:\n        Get:\n          Type: Api\n          Properties: {Path: /, Method: get}\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      TaskRoleArn: !GetAtt FnRole.Arn\n      ExecutionRoleArn: !GetAtt FnRole.Arn\nOutputs:\n  A:\n    Value: !Ref Fn.Alias\n  Api:\n    Value: !Sub 'https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod'\n  Stage:\n    Value: !Ref ServerlessRestApiProdStage\n",
    );
    let td = &l.roots[0].scenarios[0].model.task_definitions[0];
    assert_eq!(td.task_role, Some(Maybe::Known("FnRole".into())));
    // Without the transform, the role does not exist.
    let e = load_str(
        "t.yml",
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      TaskRoleArn: !GetAtt FnRole.Arn\n",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("`FnRole` is not a parameter"), "{e}");
}
