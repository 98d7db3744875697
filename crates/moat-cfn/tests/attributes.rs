//! `Ref` / `Fn::GetAtt` values CloudFormation knows from the template (issue 10, item 2).

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn model(t: &str) -> Model {
    let o = LoadOptions {
        region: Some("eu-west-1".into()),
        account_id: Some("111122223333".into()),
        ..LoadOptions::default()
    };
    let l = load_str("t.yml", t, &o).unwrap_or_else(|e| panic!("{e}"));
    l.roots[0].scenarios[0].model.clone()
}

/// What CDK writes for every interface endpoint: its security group admits the VPC's CIDR by
/// `Fn::GetAtt Vpc.CidrBlock`. The peer is the VPC's block, not an unknown.
#[test]
fn endpoint_sg_admitting_vpc_cidr_block_resolves() {
    let m = model(
        "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.8.0.0/16\n  EpSg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: ep\n      VpcId: !Ref Vpc\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          CidrIp: !GetAtt Vpc.CidrBlock\n  Sub:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !GetAtt EpSg.VpcId\n      CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 2, 8]]\n      AvailabilityZone: eu-west-1a\n  Sub2:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !GetAtt Vpc.VpcId\n      CidrBlock: !GetAtt Sub.CidrBlock\n      AvailabilityZone: !GetAtt Sub.AvailabilityZone\n",
    );
    assert_eq!(
        m.security_groups[0].ingress[0].peer,
        Maybe::Known(Peer::Cidr("10.8.0.0/16".parse().unwrap()))
    );
    assert_eq!(
        m.subnets[0].cidr,
        Maybe::Known("10.8.0.0/24".parse().unwrap())
    );
    assert_eq!(m.subnets[0].vpc, Maybe::Known(Id::from("Vpc")));
    assert_eq!(
        m.subnets[1].cidr,
        Maybe::Known("10.8.0.0/24".parse().unwrap())
    );
    assert_eq!(m.subnets[1].az, Maybe::Known("eu-west-1a".into()));
    assert_eq!(m.subnets[1].vpc, Maybe::Known(Id::from("Vpc")));
}

/// An ECR repository with an explicit name: `Ref`, `Arn` and `RepositoryUri` are known, so the
/// image CDK writes for `ContainerImage.fromEcrRepository` is known text.
#[test]
fn ecr_repository_arn_and_uri_from_its_name() {
    let m = model(
        "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryName: app\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: a\n          Image: !Join ['', [!Select [4, !Split [':', !GetAtt Repo.Arn]], '.dkr.ecr.', !Select [3, !Split [':', !GetAtt Repo.Arn]], '.', !Ref AWS::URLSuffix, '/', !Ref Repo, ':latest']]\n        - Name: b\n          Image: !Sub '${Repo.RepositoryUri}:v1'\n",
    );
    let c = &m.task_definitions[0].containers;
    assert_eq!(
        c[0].image,
        Maybe::Known("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:latest".into())
    );
    assert_eq!(
        c[1].image,
        Maybe::Known("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1".into())
    );
    // Without a name (CDK's `new ecr.Repository`), AWS generates it: the image is still an ECR
    // image of this account and region, and the execution role's grant on the repository's ARN
    // names the same repository.
    let m = model(
        "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n  Exec:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - {Effect: Allow, Action: ecr:BatchGetImage, Resource: !GetAtt Repo.Arn}\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: a\n          Image: !Join ['', [!Select [4, !Split [':', !GetAtt Repo.Arn]], '.dkr.ecr.', !Select [3, !Split [':', !GetAtt Repo.Arn]], '.', !Ref AWS::URLSuffix, '/', !Ref Repo, ':latest']]\n",
    );
    assert_eq!(
        m.task_definitions[0].containers[0].image,
        Maybe::Known(
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/{AWS-assigned name of Repo}:latest"
                .into()
        )
    );
    assert_eq!(
        m.roles[0].statements[0].resources,
        vec![Maybe::Known(
            "arn:aws:ecr:eu-west-1:111122223333:repository/{AWS-assigned name of Repo}".into()
        )]
    );
}

/// Log groups, SSM parameters and secrets with explicit names: `Ref` and ARNs are known, also
/// embedded in larger strings.
#[test]
fn named_log_group_parameter_and_secret() {
    let m = model(
        "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: /ecs/app\n  Param:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /app/db-host\n      Type: String\n      Value: db.internal\n  Db:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: prod/db\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: logs:PutLogEvents\n                Resource: [!GetAtt Logs.Arn, !Sub '${Db}', !Sub 'arn:aws:ssm:eu-west-1:111122223333:parameter${Param}', !GetAtt Db.Id]\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: a\n          Image: busybox\n          Environment:\n            - {Name: HOST, Value: !GetAtt Param.Value}\n          LogConfiguration:\n            LogDriver: awslogs\n            Options: {awslogs-group: !Ref Logs}\n          Secrets:\n            - {Name: PW, ValueFrom: !Ref Db}\n",
    );
    let r: Vec<_> = m.roles[0].statements[0].resources.clone();
    assert_eq!(
        r,
        vec![
            Maybe::Known("arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/app:*".into()),
            Maybe::Known(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????".into()
            ),
            Maybe::Known("arn:aws:ssm:eu-west-1:111122223333:parameter/app/db-host".into()),
            Maybe::Known(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????".into()
            ),
        ]
    );
    let c = &m.task_definitions[0].containers[0];
    assert_eq!(c.environment[0].1, Maybe::Known("db.internal".into()));
    assert_eq!(
        c.log.as_ref().unwrap().options["awslogs-group"],
        Maybe::Known("/ecs/app".into())
    );
    assert_eq!(
        c.secrets[0].value_from,
        Maybe::Known("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????".into())
    );
}

/// A secret read by partial ARN (CDK's `Secret.fromSecretNameV2`): the ARN the task needs
/// carries AWS's six-character suffix as `-??????`; a full ARN stays as written.
#[test]
fn partial_secret_arn_gets_the_random_suffix() {
    let m = model(
        "Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: a\n          Image: busybox\n          Secrets:\n            - {Name: A, ValueFrom: !Join ['', ['arn:', !Ref AWS::Partition, ':secretsmanager:', !Ref AWS::Region, ':', !Ref AWS::AccountId, ':secret:prod/api']]}\n            - {Name: B, ValueFrom: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api:token::'}\n            - {Name: C, ValueFrom: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-AbC123'}\n            - {Name: D, ValueFrom: /ssm/name}\n",
    );
    let v: Vec<_> = m.task_definitions[0].containers[0]
        .secrets
        .iter()
        .map(|s| s.value_from.clone())
        .collect();
    assert_eq!(
        v,
        vec![
            Maybe::Known(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-??????".into()
            ),
            Maybe::Known(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-??????:token::"
                    .into()
            ),
            Maybe::Known(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-AbC123".into()
            ),
            Maybe::Known("/ssm/name".into()),
        ]
    );
}

/// Dynamic references are read at deployment: unknown, never taken as literal text.
#[test]
fn dynamic_references_are_unknown() {
    let m = model(
        "Resources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: '{{resolve:ssm:/net/cidr}}'\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref V\n      CidrBlock: !Sub '{{resolve:ssm:/net/${AWS::Region}/a}}'\n",
    );
    assert_eq!(
        m.vpcs[0].cidrs[0].why_unknown(),
        Some("dynamic reference {{resolve:ssm:/net/cidr}} is read at deployment")
    );
    assert_eq!(
        m.subnets[0].cidr.why_unknown(),
        Some("dynamic reference {{resolve:ssm:/net/eu-west-1/a}} is read at deployment")
    );
}

/// A resource inside a registry module (`…::MODULE`) is referenced as `<Module><Resource>`: its
/// contents are unknown here, not an undefined reference.
#[test]
fn module_resources_are_unknown_not_undefined() {
    let m = model(
        "Resources:\n  Net:\n    Type: My::Org::Vpc::MODULE\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Net.Vpc\n      CidrBlock: !GetAtt NetVpc.CidrBlock\n",
    );
    assert_eq!(
        m.subnets[0].cidr.why_unknown(),
        Some("NetVpc is a resource of module Net (My::Org::Vpc::MODULE), defined in the CloudFormation registry")
    );
}

/// `Fn::Sub` of a string a macro computes (`Fn::Transform`) is unknown, not an error.
#[test]
fn sub_of_a_macro_output_is_unknown() {
    let m = model(
        "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: vpc-1\n      CidrBlock: {'Fn::Sub': {'Fn::Transform': {Name: M}}}\n",
    );
    assert_eq!(
        m.subnets[0].cidr.why_unknown(),
        Some("Fn::Sub of output of the macro M (Fn::Transform)")
    );
}

/// Without a region (no `--region`, no environment, no literal), a region-keyed mapping and a
/// comparison with `AWS::Region` are unknown, not errors nor false.
#[test]
fn unknown_region_in_find_in_map_and_equals() {
    let t = "Mappings:\n  Amis:\n    eu-west-1: {Cidr: 10.1.0.0/16}\nConditions:\n  InUs: !Equals [!Ref AWS::Region, us-east-1]\n  Same: !Equals [!Ref AWS::Region, !Ref AWS::Region]\n  InEu: !Equals [!Ref AWS::Region, eu-west-2]\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !FindInMap [Amis, !Ref AWS::Region, Cidr]\n  W:\n    Type: AWS::EC2::VPC\n    Condition: InUs\n    Properties:\n      CidrBlock: 10.2.0.0/16\n  X:\n    Type: AWS::EC2::VPC\n    Condition: Same\n    Properties:\n      CidrBlock: 10.3.0.0/16\n";
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let r = &l.roots[0];
    // InUs is unknown: both branches are explored; Same holds.
    assert_eq!(r.scenarios.len(), 2);
    let m = &r.scenarios[0].model;
    assert!(
        m.vpcs[0].cidrs[0]
            .why_unknown()
            .is_some_and(|w| w.contains("depends on the region, which is unknown")),
        "{:?}",
        m.vpcs[0].cidrs[0]
    );
    assert!(m.vpcs.iter().any(|v| v.id.as_str() == "X"));
}

/// A parameter of an SSM parameter type holds the SSM parameter's name; its value is read at
/// deployment (not the name taken for the value).
#[test]
fn ssm_parameter_type_values_are_unknown() {
    let m = model(
        "Parameters:\n  Cidr:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /net/vpc-cidr\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Ref Cidr\n",
    );
    assert_eq!(
        m.vpcs[0].cidrs[0].why_unknown(),
        Some("parameter Cidr is the value of SSM parameter /net/vpc-cidr, read at deployment")
    );
}

/// A mapping key taken from a resource's `Ref` is its physical id, which AWS assigns: unknown.
#[test]
fn find_in_map_keyed_by_a_resource_is_unknown() {
    let m = model(
        "Mappings:\n  M:\n    K:\n      C: 10.0.0.0/16\nResources:\n  T:\n    Type: AWS::SNS::Topic\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !FindInMap [M, !Ref T, C]\n",
    );
    assert_eq!(
        m.vpcs[0].cidrs[0].why_unknown(),
        Some("Fn::FindInMap key is the physical id of T, which AWS assigns")
    );
}
