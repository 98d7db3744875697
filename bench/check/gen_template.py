#!/usr/bin/env python3
"""Generates a large, realistic isolated-VPC CloudFormation template for the check benchmark.

N services (default 46) in one VPC with 3 subnets, each service with its own security group,
log group, task definition and service, plus the shared endpoints, NACL entries and roles:
~480 resources for N=46. Usage: gen_template.py [N] > big.yml
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 46
out = []
w = out.append
w("AWSTemplateFormatVersion: '2010-09-09'")
w(f"Description: moat benchmark template, {n} services in an isolated VPC")
w("Resources:")
w("  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n      EnableDnsSupport: true\n      EnableDnsHostnames: true")
azs = ["a", "b", "c"]
for i, az in enumerate(azs):
    w(f"  Subnet{i}:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      CidrBlock: 10.0.{i * 16}.0/20\n      AvailabilityZone: !Select [{i}, !GetAZs '']")
    w(f"  RouteTable{i}:\n    Type: AWS::EC2::RouteTable\n    Properties:\n      VpcId: !Ref VPC")
    w(f"  Assoc{i}:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n      SubnetId: !Ref Subnet{i}\n      RouteTableId: !Ref RouteTable{i}")
subnets = ", ".join(f"!Ref Subnet{i}" for i in range(len(azs)))
tables = ", ".join(f"!Ref RouteTable{i}" for i in range(len(azs)))
w("  EndpointSecurityGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: endpoints\n      VpcId: !Ref VPC")
for svc in ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages"]:
    name = "".join(p.capitalize() for p in svc.replace(".", "-").split("-"))
    w(f"  {name}Endpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcEndpointType: Interface\n"
      f"      ServiceName: !Sub com.amazonaws.${{AWS::Region}}.{svc}\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n"
      f"      SubnetIds: [{subnets}]\n      SecurityGroupIds: [!Ref EndpointSecurityGroup]")
w(f"  S3Endpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcEndpointType: Gateway\n"
  f"      ServiceName: !Sub com.amazonaws.${{AWS::Region}}.s3\n      VpcId: !Ref VPC\n      RouteTableIds: [{tables}]")
w("  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties:\n      ClusterSettings:\n        - Name: containerInsights\n          Value: enabled")
w("  ExecutionRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n"
  "          - Effect: Allow\n            Principal: {Service: ecs-tasks.amazonaws.com}\n            Action: sts:AssumeRole\n"
  "            Condition:\n              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}\n"
  "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\n"
  "      Policies:\n        - PolicyName: secrets\n          PolicyDocument:\n            Statement:\n"
  "              - Effect: Allow\n                Action: [secretsmanager:GetSecretValue, ssm:GetParameters]\n                Resource: '*'")
for s in range(n):
    w(f"  Svc{s}SecurityGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: service {s}\n      VpcId: !Ref VPC\n"
      f"      SecurityGroupEgress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          CidrIp: 0.0.0.0/0")
    w(f"  Svc{s}EndpointIngress:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref EndpointSecurityGroup\n"
      f"      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      SourceSecurityGroupId: !Ref Svc{s}SecurityGroup")
    w(f"  Svc{s}LogGroup:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: /ecs/svc{s}\n      RetentionInDays: 30")
    w(f"  Svc{s}Secret:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: svc{s}/db")
    w(f"  Svc{s}Param:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /svc{s}/flag\n      Type: String\n      Value: 'on'")
    w(f"  Svc{s}TaskRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n"
      f"          - Effect: Allow\n            Principal: {{Service: ecs-tasks.amazonaws.com}}\n            Action: sts:AssumeRole\n"
      f"            Condition:\n              StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}\n"
      f"      Policies:\n        - PolicyName: exec\n          PolicyDocument:\n            Statement:\n"
      f"              - Effect: Allow\n                Action: [ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel]\n                Resource: '*'")
    w(f"  Svc{s}TaskDefinition:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: svc{s}\n      Cpu: '256'\n      Memory: '512'\n"
      f"      NetworkMode: awsvpc\n      RequiresCompatibilities: [FARGATE]\n      ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n"
      f"      TaskRoleArn: !GetAtt Svc{s}TaskRole.Arn\n      ContainerDefinitions:\n        - Name: app\n"
      f"          Image: !Sub ${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.amazonaws.com/svc{s}:1.0\n"
      f"          Secrets:\n            - Name: DB\n              ValueFrom: !Ref Svc{s}Secret\n            - Name: FLAG\n              ValueFrom: !Sub arn:aws:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/svc{s}/flag\n"
      f"          LogConfiguration:\n            LogDriver: awslogs\n            Options:\n              awslogs-group: /ecs/svc{s}\n"
      f"              awslogs-region: !Ref AWS::Region\n              awslogs-stream-prefix: app")
    w(f"  Svc{s}Service:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: !Ref Cluster\n      LaunchType: FARGATE\n"
      f"      DesiredCount: 2\n      EnableExecuteCommand: true\n      TaskDefinition: !Ref Svc{s}TaskDefinition\n"
      f"      NetworkConfiguration:\n        AwsvpcConfiguration:\n          AssignPublicIp: DISABLED\n"
      f"          Subnets: [{subnets}]\n          SecurityGroups: [!Ref Svc{s}SecurityGroup]")
    w(f"  Svc{s}ScalableTarget:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n      MaxCapacity: 6\n      MinCapacity: 2\n"
      f"      ResourceId: !Sub service/${{Cluster}}/${{Svc{s}Service.Name}}\n      ScalableDimension: ecs:service:DesiredCount\n      ServiceNamespace: ecs")
    w(f"  Svc{s}ScalingPolicy:\n    Type: AWS::ApplicationAutoScaling::ScalingPolicy\n    Properties:\n      PolicyName: cpu\n      PolicyType: TargetTrackingScaling\n"
      f"      ScalingTargetId: !Ref Svc{s}ScalableTarget\n      TargetTrackingScalingPolicyConfiguration:\n        TargetValue: 60\n"
      f"        PredefinedMetricSpecification:\n          PredefinedMetricType: ECSServiceAverageCPUUtilization")
print("\n".join(out))
