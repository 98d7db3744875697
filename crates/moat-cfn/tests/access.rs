//! Lowering of what decides whether a task's calls get through beyond the network: whole policy
//! documents (conditions, NotAction), permissions boundaries from the template's managed
//! policies, KMS keys, secrets and their resource policies, DHCP options, private hosted zones,
//! Classic Load Balancers and pull through cache rules.

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

fn model(t: &str) -> Model {
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap();
    l.roots[0].scenarios[0].model.clone()
}

#[test]
fn role_documents_boundary_and_trust() {
    let m = model(
        "Parameters:
  Extra: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
            Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}
      ManagedPolicyArns: [!Ref Shared]
      PermissionsBoundary: !Ref Boundary
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement:
              - Effect: Deny
                NotAction: [logs:*]
                Resource: '*'
                Condition: {StringNotEquals: {aws:SourceVpce: !Ref Endpoint}}
              - Effect: Allow
                Action: !Ref Extra
                Resource: !GetAtt Key.Arn
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: ecr:*, Resource: '*'}]}
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: 'logs:*', Resource: '*'}]}
  Key:
    Type: AWS::KMS::Key
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties: {ServiceName: com.amazonaws.us-east-1.logs, VpcId: vpc-1}
",
    );
    let r = &m.roles[0];
    let inline = r
        .policies
        .iter()
        .find(|p| p.label.contains("inline"))
        .unwrap();
    let deny = &inline.statements[0];
    assert_eq!(deny.effect, Maybe::Known(Effect::Deny));
    assert!(deny.actions.negated, "NotAction is kept as such");
    assert_eq!(deny.conditions[0].operator, "StringNotEquals");
    assert_eq!(
        deny.conditions[0].values,
        vec![Maybe::Known("Endpoint".into())]
    );
    let allow = &inline.statements[1];
    assert!(
        !allow.actions.items[0].is_known(),
        "a parameter without value is unknown"
    );
    assert_eq!(
        allow.resources.items[0],
        Maybe::Known(format!(
            "arn:aws:kms:us-east-1:{}:key/Key",
            moat_model::UNKNOWN_ACCOUNT
        )),
        "GetAtt Key.Arn names the template's key"
    );
    // The customer managed policy attached by Ref, and the boundary's document.
    assert!(r
        .policies
        .iter()
        .any(|p| p.attached_as.as_deref() == Some("Shared")));
    let b = r.permissions_boundary.as_ref().unwrap();
    assert_eq!(b.arn, Maybe::Known("Boundary".into()));
    assert!(b.document.known().is_some_and(|d| d.statements.len() == 1));
    let trust = r.trust.as_ref().unwrap().known().unwrap();
    assert_eq!(
        trust.statements[0].principals.as_ref().unwrap().items[0].0,
        "Service"
    );
}

#[test]
fn secrets_keys_dns_and_classic_load_balancers() {
    let m = model(
        "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {Statement: [{Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}, Action: 'kms:*', Resource: '*'}]}
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties: {KmsKeyId: !GetAtt Key.Arn}
  SecretPolicy:
    Type: AWS::SecretsManager::ResourcePolicy
    Properties:
      SecretId: !Ref Secret
      ResourcePolicy: {Statement: [{Effect: Deny, Principal: '*', Action: '*', Resource: '*'}]}
  Dhcp:
    Type: AWS::EC2::DHCPOptions
    Properties: {DomainNameServers: [10.0.0.10, AmazonProvidedDNS]}
  Assoc:
    Type: AWS::EC2::VPCDHCPOptionsAssociation
    Properties: {DhcpOptionsId: !Ref Dhcp, VpcId: vpc-1}
  Zone:
    Type: AWS::Route53::HostedZone
    Properties: {Name: amazonaws.com., VPCs: [{VPCId: vpc-1, VPCRegion: us-east-1}]}
  Clb:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties: {Subnets: [subnet-1]}
  Internal:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties: {Scheme: internal, Subnets: [subnet-1]}
  Cache:
    Type: AWS::ECR::PullThroughCacheRule
    Properties: {EcrRepositoryPrefix: hub, UpstreamRegistryUrl: registry-1.docker.io}
",
    );
    assert!(m.kms_keys[0].policy.as_ref().unwrap().is_known());
    let s = &m.secrets[0];
    assert_eq!(s.kms_key, Some(Maybe::Known("Key".into())));
    assert!(
        s.policy.as_ref().unwrap().is_known(),
        "the resource policy is attached"
    );
    assert_eq!(
        m.dhcp_options[0].vpcs,
        vec![Maybe::Known(Id::from("vpc-1"))]
    );
    assert_eq!(m.dhcp_options[0].domain_name_servers.len(), 2);
    assert_eq!(m.hosted_zones[0].name, Maybe::Known("amazonaws.com".into()));
    assert_eq!(m.hosted_zones[0].vpcs.len(), 1);
    let clb = |id: &str| {
        m.classic_load_balancers
            .iter()
            .find(|l| l.id.as_str() == id)
            .unwrap()
    };
    assert_eq!(
        clb("Clb").internal,
        Maybe::Known(false),
        "internet-facing by default"
    );
    assert_eq!(clb("Internal").internal, Maybe::Known(true));
    assert_eq!(
        m.pull_through_cache_rules[0].prefix,
        Maybe::Known("hub".into())
    );
}
