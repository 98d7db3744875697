//! Mutation test of the three-valued verdicts: take the clean fixture (`base.yml`, every
//! property proved), replace one literal a verdict depends on with an `Fn::ImportValue` no input
//! exports, and check that
//! - no property that depends on it is still "proved" (the unknown never counts as passing),
//! - a MOAT120 finding names the import, and
//! - nothing is refuted and no error is reported (the original literal is one of the values the
//!   import may have, so a refutation would be a false alarm).

use moat_model::{Finding, Property, Severity};
use std::path::Path;

struct Mutation {
    /// Exact, unique snippet of base.yml, and its replacement (`IMPORT` stands for the import).
    old: &'static str,
    new: &'static str,
    /// Substrings of the claims that depend on the literal.
    depends: &'static [&'static str],
}

const INTERFACE: &[&str] = &["ecr.api on TCP", "ecr.dkr on TCP", "logs on TCP"];
const S3: &[&str] = &["s3 through its gateway"];
const ALL_REACH: &[&str] = &[
    "ecr.api on TCP",
    "ecr.dkr on TCP",
    "logs on TCP",
    "s3 through",
];
const NEEDS: &[&str] = &["every AWS service that service `web` needs is known"];

const MUTATIONS: &[Mutation] = &[
    // The endpoint security group's rule admitting the service (CDK admits the VPC range).
    Mutation {
        old: "      SourceSecurityGroupId: !Ref ServiceSecurityGroup\n  ServiceSecurityGroup:",
        new: "      SourceSecurityGroupId: IMPORT\n  ServiceSecurityGroup:",
        depends: INTERFACE,
    },
    Mutation {
        old: "      FromPort: 443\n      ToPort: 443\n      SourceSecurityGroupId",
        new: "      FromPort: IMPORT\n      ToPort: 443\n      SourceSecurityGroupId",
        depends: INTERFACE,
    },
    Mutation {
        old: "      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      SourceSecurityGroupId",
        new: "      IpProtocol: IMPORT\n      FromPort: 443\n      ToPort: 443\n      SourceSecurityGroupId",
        depends: INTERFACE,
    },
    // The service's egress rules.
    Mutation {
        old: "DestinationSecurityGroupId: !Ref EndpointSecurityGroup",
        new: "DestinationSecurityGroupId: IMPORT",
        depends: INTERFACE,
    },
    Mutation {
        old: "DestinationPrefixListId: !Ref S3PrefixListId",
        new: "DestinationPrefixListId: IMPORT",
        depends: S3,
    },
    // The VPC's DNS attributes (private DNS of interface endpoints).
    Mutation {
        old: "      EnableDnsSupport: true",
        new: "      EnableDnsSupport: IMPORT",
        depends: INTERFACE,
    },
    Mutation {
        old: "      EnableDnsHostnames: true",
        new: "      EnableDnsHostnames: IMPORT",
        depends: INTERFACE,
    },
    // The endpoints.
    Mutation {
        old: "VpcEndpointType: Interface\n      ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.api",
        new: "VpcEndpointType: IMPORT\n      ServiceName: !Sub com.amazonaws.${AWS::Region}.ecr.api",
        depends: &["ecr.api on TCP"],
    },
    Mutation {
        old: "ServiceName: !Sub com.amazonaws.${AWS::Region}.logs",
        new: "ServiceName: IMPORT",
        depends: &["logs on TCP"],
    },
    Mutation {
        old: "ecr.dkr\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true",
        new: "ecr.dkr\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: IMPORT",
        depends: &["ecr.dkr on TCP"],
    },
    Mutation {
        old: "ecr.api\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref SubnetA, !Ref SubnetB]",
        new: "ecr.api\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [IMPORT, !Ref SubnetB]",
        depends: &["ecr.api on TCP"],
    },
    Mutation {
        old: "logs\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref SubnetA, !Ref SubnetB]\n      SecurityGroupIds: [!Ref EndpointSecurityGroup]",
        new: "logs\n      VpcId: !Ref VPC\n      PrivateDnsEnabled: true\n      SubnetIds: [!Ref SubnetA, !Ref SubnetB]\n      SecurityGroupIds: [IMPORT]",
        depends: &["logs on TCP"],
    },
    Mutation {
        old: "      RouteTableIds: [!Ref RouteTableA, !Ref RouteTableB]",
        new: "      RouteTableIds: [IMPORT, !Ref RouteTableB]",
        depends: S3,
    },
    Mutation {
        old: "Resource: !Sub arn:aws:s3:::prod-${AWS::Region}-starport-layer-bucket/*",
        new: "Resource: IMPORT",
        depends: S3,
    },
    Mutation {
        old: "ecr.dkr\n      VpcId: !Ref VPC",
        new: "ecr.dkr\n      VpcId: IMPORT",
        depends: &["ecr.dkr on TCP"],
    },
    Mutation {
        old: "  SubnetA:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC",
        new: "  SubnetA:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: IMPORT",
        depends: ALL_REACH,
    },
    // The published load balancer must stay internal (no path from the internet).
    Mutation {
        old: "      Scheme: internal",
        new: "      Scheme: IMPORT",
        depends: &["subnet `SubnetA` has no path", "subnet `SubnetB` has no path"],
    },
    Mutation {
        old: "AllowedPrincipals: ['arn:aws:iam::210987654321:root']",
        new: "AllowedPrincipals: [IMPORT]",
        depends: &["endpoint service `EndpointService` admits only named principals"],
    },
    // Associations of the task subnets.
    Mutation {
        old: "      SubnetId: !Ref SubnetA\n      RouteTableId: !Ref RouteTableA",
        new: "      SubnetId: IMPORT\n      RouteTableId: !Ref RouteTableA",
        depends: S3,
    },
    Mutation {
        old: "      SubnetId: !Ref SubnetA\n      NetworkAclId: !Ref Acl",
        new: "      SubnetId: IMPORT\n      NetworkAclId: !Ref Acl",
        depends: S3,
    },
    // The network ACL entries the S3 path crosses (out on 443, back on ephemeral ports).
    Mutation {
        old: "      CidrBlock: 0.0.0.0/0\n      PortRange: {From: 443, To: 443}",
        new: "      CidrBlock: IMPORT\n      PortRange: {From: 443, To: 443}",
        depends: S3,
    },
    Mutation {
        old: "      RuleAction: allow\n      CidrBlock: 0.0.0.0/0\n      PortRange: {From: 1024, To: 65535}",
        new: "      RuleAction: IMPORT\n      CidrBlock: 0.0.0.0/0\n      PortRange: {From: 1024, To: 65535}",
        depends: S3,
    },
    Mutation {
        old: "      RuleNumber: 100\n      Egress: true",
        new: "      RuleNumber: IMPORT\n      Egress: true",
        depends: S3,
    },
    // The service: where its tasks run.
    Mutation {
        old: "          Subnets: [!Ref SubnetA, !Ref SubnetB]",
        new: "          Subnets: [IMPORT, !Ref SubnetB]",
        depends: ALL_REACH,
    },
    Mutation {
        old: "          SecurityGroups: [!Ref ServiceSecurityGroup]",
        new: "          SecurityGroups: [IMPORT]",
        depends: ALL_REACH,
    },
    // What the tasks need.
    Mutation {
        old: "      TaskDefinition: !Ref TaskDefinition",
        new: "      TaskDefinition: IMPORT",
        depends: NEEDS,
    },
    Mutation {
        old: "          Image: !Sub ${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/web:1.0",
        new: "          Image: IMPORT",
        depends: NEEDS,
    },
    Mutation {
        old: "            LogDriver: awslogs",
        new: "            LogDriver: IMPORT",
        depends: NEEDS,
    },
    Mutation {
        old: "              awslogs-region: !Ref AWS::Region",
        new: "              awslogs-region: IMPORT",
        depends: NEEDS,
    },
];

fn base() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yml");
    std::fs::read_to_string(&path).expect("base.yml")
}

/// Findings and properties of a template, merged over its scenarios.
fn prove(name: &str, text: &str) -> (Vec<Finding>, Vec<Property>) {
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        stack_name: "mutant".into(),
        parameters: Default::default(),
        max_scenarios: 64,
    };
    let loaded = moat_cfn::load_str(name, text, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut findings = Vec::new();
    let mut runs = Vec::new();
    for root in &loaded.roots {
        for sc in &root.scenarios {
            let proof = moat_verify::prove(&sc.model, &moat_verify::Options::default());
            findings.extend(proof.findings);
            runs.push(proof.properties);
        }
    }
    (findings, moat_report::merge_properties(runs))
}

#[test]
fn the_base_is_proved_whole() {
    let (findings, properties) = prove("base.yml", &base());
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(properties.len() >= 6, "{properties:#?}");
    let open: Vec<_> = properties
        .iter()
        .filter(|p| !p.verdict.is_proved())
        .collect();
    assert!(open.is_empty(), "{open:#?}");
}

#[test]
fn an_unresolvable_import_never_leaves_a_dependent_property_proved() {
    let base = base();
    let (_, base_props) = prove("base.yml", &base);
    let mut failures = Vec::new();
    for (i, m) in MUTATIONS.iter().enumerate() {
        assert_eq!(
            base.matches(m.old).count(),
            1,
            "mutation {i}: `{}` is not unique",
            m.old
        );
        let import = format!("mutated-literal-{i}");
        let text = base.replacen(
            m.old,
            &m.new.replace("IMPORT", &format!("!ImportValue {import}")),
            1,
        );
        let (findings, props) = prove(&format!("mutant-{i}.yml"), &text);
        for claim in m.depends {
            let matching: Vec<_> = props.iter().filter(|p| p.claim.contains(claim)).collect();
            if matching.is_empty() {
                failures.push(format!(
                    "mutation {i} ({import}): no property `{claim}` decided"
                ));
            }
            for p in matching {
                if p.verdict.is_proved() {
                    failures.push(format!(
                        "mutation {i} ({import}): `{}` still proved",
                        p.claim
                    ));
                }
            }
        }
        if !findings
            .iter()
            .any(|f| f.code == "MOAT120" && f.message.contains(&import))
        {
            failures.push(format!(
                "mutation {i} ({import}): no MOAT120 names it; findings: {:?}",
                findings
                    .iter()
                    .map(|f| (f.code, &f.message))
                    .collect::<Vec<_>>()
            ));
        }
        for f in findings.iter().filter(|f| f.severity == Severity::Error) {
            failures.push(format!(
                "mutation {i} ({import}): false error {}: {}",
                f.code, f.message
            ));
        }
        for p in props.iter().filter(|p| p.verdict.is_refuted()) {
            let was = base_props.iter().find(|b| b.claim == p.claim);
            if was.is_some_and(|b| b.verdict.is_proved()) {
                failures.push(format!(
                    "mutation {i} ({import}): `{}` refuted by an unknown",
                    p.claim
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A service that names no security group gets the VPC's default group, whose rules a
/// template cannot show: its reach is unproved, not refuted (it was a false MOAT105 before).
#[test]
fn a_service_without_groups_is_unproved_not_blocked() {
    let base = base();
    let old = "          SecurityGroups: [!Ref ServiceSecurityGroup]\n";
    assert_eq!(base.matches(old).count(), 1);
    let (findings, props) = prove("no-groups.yml", &base.replacen(old, "", 1));
    assert!(
        !findings.iter().any(|f| f.severity == Severity::Error),
        "{findings:#?}"
    );
    let dkr = props
        .iter()
        .find(|p| p.claim.contains("ecr.dkr on TCP"))
        .unwrap();
    assert!(dkr.verdict.is_unproved(), "{dkr:#?}");
    assert!(findings
        .iter()
        .any(|f| f.code == "MOAT120" && f.message.contains("default security group")));
}

/// On every rule fixture, the recorded verdicts agree with the findings: a refuted property
/// comes with a warning or error of the rule for its cause, and an unproved one with a warning
/// (MOAT120, or another rule's at the same place). No verdict is silent.
#[test]
fn verdicts_and_findings_agree_on_every_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path().join("fail.yml");
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let (findings, props) = prove(&path.display().to_string(), &text);
        let loud = |code_ok: &dyn Fn(&str) -> bool| {
            findings
                .iter()
                .any(|f| f.severity >= Severity::Warning && code_ok(f.code))
        };
        for p in &props {
            if p.verdict.is_refuted() && !loud(&|c| c != "MOAT120") {
                problems.push(format!(
                    "{}: `{}` refuted silently",
                    path.display(),
                    p.claim
                ));
            }
            if p.verdict.is_unproved() && !loud(&|_| true) {
                problems.push(format!(
                    "{}: `{}` unproved silently",
                    path.display(),
                    p.claim
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The endpoint's name resolves to its interfaces in every subnet it has, and a task may
/// connect to any of them: a network ACL that admits only same-subnet traffic blocks half the
/// connections (it passed before, when only the same-zone interface was walked).
#[test]
fn every_endpoint_interface_must_be_reachable() {
    let base = base();
    let old = "      CidrBlock: 10.0.0.0/16\n      PortRange: {From: 443, To: 443}";
    assert_eq!(base.matches(old).count(), 1);
    let text = base.replacen(
        old,
        "      CidrBlock: 10.0.0.0/20\n      PortRange: {From: 443, To: 443}",
        1,
    );
    let (findings, props) = prove("same-subnet-acl.yml", &text);
    assert!(
        findings.iter().any(|f| f.code == "MOAT106"),
        "{findings:#?}"
    );
    let dkr = props
        .iter()
        .find(|p| p.claim.contains("ecr.dkr on TCP"))
        .unwrap();
    assert!(dkr.verdict.is_refuted(), "{dkr:#?}");
}
