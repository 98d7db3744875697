//! Load a generated ~475-resource template (`cargo bench -p moat-cfn --bench load`).

use criterion::{criterion_group, criterion_main, Criterion};
use moat_cfn::{load_str, LoadOptions};
use std::fmt::Write;

fn template() -> String {
    let mut t = String::from("Parameters:\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n      EnableDnsSupport: true\n      EnableDnsHostnames: true\n  Rt:\n    Type: AWS::EC2::RouteTable\n    Properties: {VpcId: !Ref VPC}\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: x, VpcId: !Ref VPC}\n");
    for i in 0..118 {
        let _ = write!(
            t,
            "  Subnet{i}:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n      CidrBlock: !Select [{i}, !Cidr [10.0.0.0/16, 128, 8]]\n      AvailabilityZone: !Select [{az}, !GetAZs '']\n  Assoc{i}:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties: {{RouteTableId: !Ref Rt, SubnetId: !Ref Subnet{i}}}\n  Ep{i}:\n    Type: AWS::EC2::VPCEndpoint\n    Condition: IsProd\n    Properties:\n      VpcEndpointType: Interface\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref Subnet{i}]\n      SecurityGroupIds: [!GetAtt Sg.GroupId]\n      ServiceName: !Sub com.amazonaws.${{AWS::Region}}.svc{i}\n      VpcId: !Ref VPC\n  In{i}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {{GroupId: !Ref Sg, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Join ['', ['10.0.', '{i}', '.0/24']]}}\n",
            az = i % 3
        );
    }
    t
}

fn bench(c: &mut Criterion) {
    let t = template();
    let opts = LoadOptions::default();
    let l = load_str("gen.yml", &t, &opts).expect("generated template loads");
    assert!(l.roots[0].scenarios[0].model.endpoints.len() == 118);
    c.bench_function("load_475_resources", |b| {
        b.iter(|| load_str("gen.yml", &t, &opts))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
