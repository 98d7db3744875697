//! Lowering semantics: defaults AWS applies, and resources that modify others.

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn model(t: &str) -> Model {
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap();
    l.roots[0].scenarios[0].model.clone()
}

#[test]
fn service_launch_types() {
    let m = model(
        "Resources:
  Spot:
    Type: AWS::ECS::Cluster
    Properties:
      DefaultCapacityProviderStrategy: [{CapacityProvider: FARGATE_SPOT, Weight: 1}]
  Plain:
    Type: AWS::ECS::Cluster
  S1:
    Type: AWS::ECS::Service
    Properties: {Cluster: !Ref Spot}
  S2:
    Type: AWS::ECS::Service
    Properties: {Cluster: !Ref Plain}
  S3:
    Type: AWS::ECS::Service
    Properties: {Cluster: outside, CapacityProviderStrategy: [{CapacityProvider: FARGATE}]}
  S4:
    Type: AWS::ECS::Service
    Properties: {Cluster: outside, EnableExecuteCommand: true}
  S5:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !GetAtt Plain.Arn
      CapacityProviderStrategy: [{CapacityProvider: my-asg-provider}]
      NetworkConfiguration: {AwsvpcConfiguration: {AssignPublicIp: ENABLED, Subnets: [subnet-1]}}
",
    );
    let lt: Vec<_> = m.services.iter().map(|s| s.launch_type.clone()).collect();
    assert_eq!(lt[0], Maybe::Known(LaunchType::Fargate));
    assert_eq!(lt[1], Maybe::Known(LaunchType::Ec2));
    assert_eq!(lt[2], Maybe::Known(LaunchType::Fargate));
    assert!(lt[3]
        .why_unknown()
        .unwrap()
        .contains("default capacity provider strategy"));
    assert_eq!(lt[4], Maybe::Known(LaunchType::Ec2));
    assert_eq!(m.services[3].enable_execute_command, Maybe::Known(true));
    assert_eq!(m.services[0].assign_public_ip, Maybe::Known(false));
    assert_eq!(m.services[4].assign_public_ip, Maybe::Known(true));
    assert_eq!(m.services[4].cluster, Maybe::Known(Id::from("Plain")));
    assert_eq!(
        m.services[4].subnets,
        vec![Maybe::Known(Id::from("subnet-1"))]
    );
}

#[test]
fn iam_policies_attach_to_roles() {
    let m = model(
        "Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement: [{Effect: Allow, Action: [s3:GetObject], Resource: '*'}]
  P:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [!Ref R]
      PolicyDocument:
        Statement: {Effect: Deny, Action: 'logs:*', Resource: '*'}
  M:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref R]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: secretsmanager:GetSecretValue, Resource: arn:aws:secretsmanager:us-east-1:1:secret:x}]
",
    );
    let r = &m.roles[0];
    assert_eq!(
        r.trusted_services,
        vec!["ecs-tasks.amazonaws.com".to_string()]
    );
    assert!(!r.trust_has_source_conditions);
    assert_eq!(r.statements.len(), 3);
    assert!(!r.statements[1].allow);
    assert_eq!(r.statements[1].actions, vec![Maybe::Known("logs:*".into())]);
    assert_eq!(r.managed_policy_arns, vec![Maybe::Known("M".into())]);
}

#[test]
fn endpoint_service_load_balancer_listener_defaults() {
    let m = model(
        "Resources:
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Type: network, Scheme: internal, SubnetMappings: [{SubnetId: subnet-a}]}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Subnets: [subnet-b], SecurityGroups: [sg-1]}
  Tg:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Port: 8080, Protocol: TCP, TargetType: ip, VpcId: vpc-1}
  L:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Nlb
      Port: 443
      Protocol: TLS
      Certificates: [{CertificateArn: arn:aws:acm:us-east-1:1:certificate/x}]
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Tg}]
  Svc:
    Type: AWS::EC2::VPCEndpointService
    Properties: {NetworkLoadBalancerArns: [!Ref Nlb]}
  Perm:
    Type: AWS::EC2::VPCEndpointServicePermissions
    Properties: {ServiceId: !Ref Svc, AllowedPrincipals: ['arn:aws:iam::111122223333:root']}
",
    );
    assert_eq!(
        m.load_balancers[0].kind,
        Maybe::Known(LoadBalancerKind::Network)
    );
    assert_eq!(m.load_balancers[0].internal, Maybe::Known(true));
    assert_eq!(
        m.load_balancers[0].subnets,
        vec![Maybe::Known(Id::from("subnet-a"))]
    );
    assert_eq!(
        m.load_balancers[1].kind,
        Maybe::Known(LoadBalancerKind::Application)
    );
    assert_eq!(m.load_balancers[1].internal, Maybe::Known(false));
    assert!(m.load_balancers[0].prov.fields.contains_key("scheme"));
    let l = &m.listeners[0];
    assert_eq!(l.load_balancer, Maybe::Known(Id::from("Nlb")));
    assert_eq!(l.port, Maybe::Known(443));
    assert_eq!(l.target_groups, vec![Maybe::Known(Id::from("Tg"))]);
    assert_eq!(l.certificates.len(), 1);
    assert_eq!(m.target_groups[0].port, Maybe::Known(8080));
    let s = &m.endpoint_services[0];
    assert_eq!(s.acceptance_required, Maybe::Known(false));
    assert_eq!(
        s.network_load_balancers,
        vec![Maybe::Known(Id::from("Nlb"))]
    );
    assert_eq!(s.allowed_principals.len(), 1);
    assert_eq!(
        s.allowed_principals[0].0,
        Maybe::Known("arn:aws:iam::111122223333:root".into())
    );
}

#[test]
fn vpc_extras_nacls_igw_and_endpoint_policy() {
    let m = model(
        "Resources:
  V:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  V2:
    Type: AWS::EC2::VPCCidrBlock
    Properties: {VpcId: !Ref V, CidrBlock: 10.1.0.0/16}
  Igw:
    Type: AWS::EC2::InternetGateway
  Att:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref V, InternetGatewayId: !Ref Igw}
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref V}
  E1:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: true, CidrBlock: 10.0.0.0/8, PortRange: {From: 443, To: 443}}
  Sub:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref V, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: 'true'}
  As:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {NetworkAclId: !Ref Acl, SubnetId: !Ref Sub}
  Ep:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref V
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      PolicyDocument: {Statement: [{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: '*'}]}
  Fl:
    Type: AWS::EC2::FlowLog
    Properties: {ResourceId: !Ref V, ResourceType: VPC, TrafficType: ALL}
",
    );
    assert_eq!(m.vpcs[0].cidrs.len(), 2);
    assert_eq!(m.vpcs[0].dns_support, Maybe::Known(true));
    assert_eq!(m.vpcs[0].dns_hostnames, Maybe::Known(false));
    assert_eq!(
        m.internet_gateways[0].attached_vpcs[0].0,
        Maybe::Known(Id::from("V"))
    );
    let acl = &m.network_acls[0];
    assert_eq!(acl.subnets, vec![Maybe::Known(Id::from("Sub"))]);
    let e = &acl.entries[0];
    assert!(e.egress);
    assert_eq!(e.protocol, Maybe::Known(Protocol::Tcp));
    assert_eq!(e.ports, Maybe::Known(Some(PortRange::single(443))));
    assert_eq!(e.allow, Maybe::Known(true));
    assert_eq!(
        m.subnets[0].map_public_ip,
        Maybe::Known(true),
        "quoted 'true' coerces"
    );
    let ep = &m.endpoints[0];
    assert_eq!(ep.kind, Maybe::Known(EndpointKind::Gateway), "default type");
    assert_eq!(
        ep.service,
        Maybe::Known(format!("com.amazonaws.{}.s3", moat_model::UNKNOWN_REGION)),
        "no region given and none named: AWS::Region stays one unknown value, never us-east-1"
    );
    assert!(matches!(ep.policy, Some(Maybe::Known(_))));
    assert_eq!(m.flow_logs[0].resource, Maybe::Known(Id::from("V")));
}
