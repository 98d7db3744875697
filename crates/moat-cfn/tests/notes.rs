//! Non-fatal template problems become notes; unknowns carry their reason.

use moat_cfn::{load_str, LoadOptions};
use moat_model::*;

#[test]
fn remote_nested_stack_outputs_are_unknown() {
    let t = "Resources:\n  Net:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: https://example.invalid/net.yml\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      VpcId: !GetAtt Net.Outputs.VpcId\n  Bucket:\n    Type: AWS::S3::Bucket\n";
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap();
    let root = &l.roots[0];
    let sg = &root.scenarios[0].model.security_groups[0];
    assert!(
        sg.vpc
            .why_unknown()
            .unwrap()
            .contains("output VpcId of nested stack Net"),
        "{:?}",
        sg.vpc
    );
    assert!(
        root.notes
            .iter()
            .any(|n| n.contains("is remote (https://example.invalid/net.yml)")),
        "{:?}",
        root.notes
    );
    assert!(
        root.notes
            .iter()
            .any(|n| n.contains("1 resource(s) of type AWS::S3::Bucket not modelled")),
        "{:?}",
        root.notes
    );
}

#[test]
fn security_group_without_vpc_is_unknown_and_keeps_default_egress_with_standalone_egress() {
    let t = "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: x}\n  Out:\n    Type: AWS::EC2::SecurityGroupEgress\n    Properties: {GroupId: !GetAtt Sg.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationPrefixListId: pl-1}\n";
    let l = load_str("t.yml", t, &LoadOptions::default()).unwrap();
    let sg = &l.roots[0].scenarios[0].model.security_groups[0];
    assert!(sg.vpc.why_unknown().unwrap().contains("default VPC"));
    assert_eq!(sg.egress.len(), 2);
    assert_eq!(
        sg.egress[0].peer,
        Maybe::Known(Peer::Cidr("0.0.0.0/0".parse().unwrap()))
    );
    assert_eq!(
        sg.egress[1].peer,
        Maybe::Known(Peer::PrefixList(Maybe::Known(Id::from("pl-1"))))
    );
}

#[test]
fn scenario_cap_is_reported() {
    let mut t = String::from("Parameters:\n");
    for i in 0..8 {
        t.push_str(&format!("  P{i}:\n    Type: String\n"));
    }
    t.push_str("Conditions:\n");
    for i in 0..8 {
        t.push_str(&format!("  C{i}: !Equals [!Ref P{i}, x]\n"));
    }
    t.push_str("Resources:\n");
    for i in 0..8 {
        t.push_str(&format!(
            "  V{i}:\n    Type: AWS::EC2::VPC\n    Condition: C{i}\n"
        ));
    }
    let o = LoadOptions {
        max_scenarios: 16,
        ..LoadOptions::default()
    };
    let l = load_str("t.yml", &t, &o).unwrap();
    assert_eq!(l.roots[0].scenarios.len(), 16);
    assert!(
        l.roots[0]
            .notes
            .iter()
            .any(|n| n.starts_with("more than 16 scenarios")),
        "{:?}",
        l.roots[0].notes
    );
    // Every scenario states all eight assumptions, and they are distinct.
    let mut seen: Vec<_> = l.roots[0]
        .scenarios
        .iter()
        .map(|s| s.assumptions.clone())
        .collect();
    assert!(seen.iter().all(|a| a.len() == 8));
    seen.dedup();
    assert_eq!(seen.len(), 16);
    let all = LoadOptions::default();
    assert_eq!(
        load_str("t.yml", &t, &all).unwrap().roots[0]
            .scenarios
            .len(),
        64
    );
}

#[test]
fn lowered_model_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(dir.join("isolated-vpc.yml")).unwrap();
    let opts = LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        ..LoadOptions::default()
    };
    let l = load_str("isolated-vpc.yml", &text, &opts).unwrap();
    insta::assert_json_snapshot!(l.roots[0].scenarios[0].model);
}

#[test]
fn directory_holds_back_errors_of_nested_children() {
    let dir = std::env::temp_dir().join(format!("moat-cfn-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Alone, the child fails (Fn::Select index out of range of its default list); its parent
    // passes a list long enough.
    std::fs::write(dir.join("child.yml"), "Parameters:\n  L:\n    Type: CommaDelimitedList\n    Default: a\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Select [1, !Ref L]\n").unwrap();
    std::fs::write(dir.join("parent.yml"), "Resources:\n  C:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yml\n      Parameters:\n        L: a,10.0.0.0/16\n").unwrap();
    let l = moat_cfn::load_paths(std::slice::from_ref(&dir), &LoadOptions::default()).unwrap();
    assert_eq!(l.roots.len(), 1);
    let m = &l.roots[0].scenarios[0].model;
    assert_eq!(m.vpcs[0].id, Id::from("C/V"));
    assert_eq!(
        m.vpcs[0].cidrs[0],
        Maybe::Known("10.0.0.0/16".parse().unwrap())
    );
    // Alone, the child's error is reported.
    let e = moat_cfn::load_paths(&[dir.join("child.yml")], &LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("child.yml:9:18: Fn::Select: index 1 out of range"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
