//! Several templates as one deployment: imports, stack outputs, asset-URL nested stacks, cloud
//! assemblies, directory discovery and the region a load settles on.

use moat_cfn::{discover, load_paths, Error, LoadOptions};
use moat_model::{Id, Maybe, UNKNOWN_REGION};
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moat-multistack-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let p = dir.join(file);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

const NETWORK: &str = "\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export:
      Name: !Sub '${AWS::StackName}-VpcId'
";

const SERVICE: &str = "\
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      VpcId: !ImportValue network-VpcId
";

#[test]
fn import_value_resolves_to_the_exporting_template_given_too() {
    let dir = tmp("import");
    write(&dir, "network.yml", NETWORK);
    let service = write(&dir, "service.yml", SERVICE);
    let l = load_paths(std::slice::from_ref(&dir), &LoadOptions::default()).unwrap();
    assert_eq!(l.roots.len(), 1, "one deployment");
    assert_eq!(l.roots[0].stacks.len(), 2);
    let m = &l.roots[0].scenarios[0].model;
    assert_eq!(m.vpcs[0].id, Id::from("network/Vpc"));
    assert_eq!(
        m.security_groups[0].vpc,
        Maybe::Known(Id::from("network/Vpc"))
    );

    // Alone, the import is unknown and says what settles it.
    let l = load_paths(&[service], &LoadOptions::default()).unwrap();
    let why = l.roots[0].scenarios[0].model.security_groups[0]
        .vpc
        .why_unknown()
        .unwrap()
        .to_string();
    assert!(
        why.contains("network-VpcId") && why.contains("pass the template that exports it too"),
        "{why}"
    );
}

#[test]
fn unrelated_templates_stay_separate_roots() {
    let dir = tmp("separate");
    write(&dir, "a.yml", NETWORK);
    write(&dir, "b.yml", NETWORK);
    let l = load_paths(std::slice::from_ref(&dir), &LoadOptions::default()).unwrap();
    assert_eq!(l.roots.len(), 2);
    assert_eq!(l.roots[0].scenarios[0].model.vpcs[0].id, Id::from("Vpc"));
}

#[test]
fn an_export_name_declared_twice_is_noted() {
    let dir = tmp("duplicate-export");
    let fixed = NETWORK.replace("!Sub '${AWS::StackName}-VpcId'", "network-VpcId");
    write(&dir, "a.yml", &fixed);
    write(&dir, "b.yml", &fixed);
    write(&dir, "service.yml", SERVICE);
    let l = load_paths(std::slice::from_ref(&dir), &LoadOptions::default()).unwrap();
    let notes = l
        .roots
        .iter()
        .flat_map(|r| r.notes.iter())
        .cloned()
        .collect::<Vec<_>>();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("export `network-VpcId` is also declared by")),
        "{notes:?}"
    );
}

#[test]
fn get_stack_output_resolves_by_stack_name_in_a_cloud_assembly() {
    let dir = tmp("assembly");
    write(
        &dir,
        "cdk.out/Net.template.json",
        r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}}},
            "Outputs": {"VpcOut": {"Value": {"Ref": "Vpc"}}}}"#,
    );
    write(
        &dir,
        "cdk.out/Svc.template.json",
        r#"{"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "app",
            "VpcId": {"Fn::GetStackOutput": {"StackName": "Net", "OutputName": "VpcOut", "Region": "eu-west-1"}}}}}}"#,
    );
    write(
        &dir,
        "cdk.out/manifest.json",
        r#"{"version": "55.0.0", "artifacts": {
            "Net": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                    "properties": {"templateFile": "Net.template.json"}},
            "Svc": {"type": "aws:cloudformation:stack", "environment": "aws://111122223333/eu-west-1",
                    "properties": {"templateFile": "Svc.template.json"}},
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}"#,
    );
    write(&dir, "node_modules/x/template.yml", NETWORK);
    let l = load_paths(std::slice::from_ref(&dir), &LoadOptions::default()).unwrap();
    assert_eq!(l.roots.len(), 1, "the two stacks are one deployment");
    let m = &l.roots[0].scenarios[0].model;
    assert_eq!(m.region, Maybe::Known("eu-west-1".into()));
    assert_eq!(m.account_id, Maybe::Known("111122223333".into()));
    assert_eq!(m.security_groups[0].vpc, Maybe::Known(Id::from("Net/Vpc")));

    // --stack Svc: Svc is checked, Net is loaded for its outputs.
    let sel = discover::Selection {
        stacks: vec!["Svc".into()],
    };
    let found = discover::discover(std::slice::from_ref(&dir), &sel).unwrap();
    assert_eq!(found.roots.len(), 2);
    let l = moat_cfn::load_roots(&found.roots, &LoadOptions::default()).unwrap();
    assert_eq!(l.roots.len(), 1);
    // --stack Nope: an error naming it.
    let sel = discover::Selection {
        stacks: vec!["Nope".into()],
    };
    let e = discover::discover(std::slice::from_ref(&dir), &sel).unwrap_err();
    assert!(e.to_string().contains("Nope"), "{e}");

    // A producer that is not an input: unknown, saying so.
    let svc = dir.join("cdk.out/Svc.template.json");
    let l = load_paths(&[svc], &LoadOptions::default()).unwrap();
    let why = l.roots[0].scenarios[0].model.security_groups[0]
        .vpc
        .why_unknown()
        .unwrap()
        .to_string();
    assert!(
        why.contains("stack Net") && why.contains("pass its template too"),
        "{why}"
    );
}

#[test]
fn nested_stack_with_an_asset_url_resolves_to_the_local_file() {
    let dir = tmp("asset");
    let child = r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.2.0.0/16"}}}}"#;
    write(&dir, "ParentInner.nested.template.json", child);
    write(
        &dir,
        "Parent.assets.json",
        r#"{"version": "55.0.0", "files": {"abc": {"source": {"path": "ParentInner.nested.template.json", "packaging": "file"},
            "destinations": {"d": {"bucketName": "b", "objectKey": "abc.json"}}}}}"#,
    );
    let parent = write(
        &dir,
        "Parent.template.json",
        r#"{"Resources": {"Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL":
            {"Fn::Join": ["", ["https://s3.eu-west-1.", {"Ref": "AWS::URLSuffix"}, "/cdk-assets/abc.json"]]}}}}}"#,
    );
    let l = load_paths(&[parent], &LoadOptions::default()).unwrap();
    let m = &l.roots[0].scenarios[0].model;
    assert_eq!(m.vpcs[0].id, Id::from("Inner/Vpc"));
    assert!(
        l.roots[0].notes.iter().all(|n| !n.contains("remote")),
        "{:?}",
        l.roots[0].notes
    );

    // CDK's CLI also names the file in the resource's Metadata.
    let dir = tmp("asset-metadata");
    write(&dir, "inner.json", child);
    let parent = write(
        &dir,
        "parent.json",
        r#"{"Resources": {"Inner": {"Type": "AWS::CloudFormation::Stack",
            "Metadata": {"aws:asset:path": "inner.json", "aws:asset:property": "TemplateURL"},
            "Properties": {"TemplateURL": "https://s3.amazonaws.com/bucket/xyz.json"}}}}"#,
    );
    let l = load_paths(&[parent], &LoadOptions::default()).unwrap();
    assert_eq!(
        l.roots[0].scenarios[0].model.vpcs[0].id,
        Id::from("Inner/Vpc")
    );
}

#[test]
fn directories_recurse_and_recognise_templates_by_content() {
    let dir = tmp("discover");
    write(&dir, "infra/deep/net.yaml", NETWORK);
    write(
        &dir,
        "infra/versioned.json",
        r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}"#,
    );
    write(
        &dir,
        "k8s/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
    );
    write(
        &dir,
        "taskdef.json",
        r#"{"family": "app", "containerDefinitions": []}"#,
    );
    write(&dir, ".cfnlintrc.yml", "templates:\n  - x.yml\n");
    write(&dir, "node_modules/pkg/t.yml", NETWORK);
    write(&dir, ".git/t.yml", NETWORK);
    write(&dir, "cdk.out/asset.123/t.yml", NETWORK);
    write(&dir, "README.md", "# hi\n");
    let found = discover::discover(std::slice::from_ref(&dir), &Default::default()).unwrap();
    let roots: Vec<String> = found
        .roots
        .iter()
        .map(|r| r.path.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    assert_eq!(roots, ["infra/deep/net.yaml", "infra/versioned.json"]);
    let why = |f: &str| {
        found
            .skipped
            .iter()
            .find(|s| s.path == dir.join(f))
            .map(|s| s.why.clone())
            .unwrap_or_else(|| panic!("{f} not listed as skipped: {:?}", found.skipped))
    };
    assert!(why("k8s/deploy.yaml").contains("Kubernetes"));
    assert!(why("taskdef.json").contains("task definition"));
    assert!(why(".git").contains("hidden"));
    assert!(why("node_modules").contains("dependency"));
    assert!(why("cdk.out/asset.123").contains("asset"));
    assert!(why("README.md").contains("not a .yaml"));

    // A file given by name that is not a template is an error.
    for f in ["k8s/deploy.yaml", "taskdef.json", ".cfnlintrc.yml"] {
        let e = load_paths(&[dir.join(f)], &LoadOptions::default()).unwrap_err();
        assert!(matches!(e, Error::NotATemplate { .. }), "{f}: {e}");
    }
    // A directory without templates is an error too.
    let empty = tmp("empty");
    let e = load_paths(std::slice::from_ref(&empty), &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::NoTemplate { .. }), "{e}");
}

#[test]
fn region_comes_from_the_template_literals_or_stays_unknown() {
    let dir = tmp("region");
    let one = write(
        &dir,
        "one.yml",
        "Resources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: v\n      ServiceName: com.amazonaws.eu-west-1.s3\n  F:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: v\n      ServiceName: !Sub com.amazonaws.${AWS::Region}.logs\n",
    );
    let l = load_paths(std::slice::from_ref(&one), &LoadOptions::default()).unwrap();
    let m = &l.roots[0].scenarios[0].model;
    assert_eq!(m.region, Maybe::Known("eu-west-1".into()));
    assert_eq!(
        m.endpoints[1].service,
        Maybe::Known("com.amazonaws.eu-west-1.logs".into())
    );
    assert!(l.roots[0]
        .notes
        .iter()
        .any(|n| n.contains("the only region the template names")));

    // No account named: AWS::AccountId is one unknown value, never a made-up account.
    assert!(m.account_id.why_unknown().is_some(), "{:?}", m.account_id);

    // --region wins over the literals.
    let opts = LoadOptions {
        region: Some("us-west-2".into()),
        ..LoadOptions::default()
    };
    let l = load_paths(&[one], &opts).unwrap();
    assert_eq!(
        l.roots[0].scenarios[0].model.region,
        Maybe::Known("us-west-2".into())
    );

    // Two regions named: unknown, and AWS::Region is one consistent value.
    let two = write(
        &dir,
        "two.yml",
        "Resources:\n  E:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: v\n      ServiceName: com.amazonaws.eu-west-1.s3\n  F:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      VpcId: v\n      ServiceName: !Sub com.amazonaws.${AWS::Region}.logs\n      PolicyDocument: {Statement: [{Effect: Allow, Resource: 'arn:aws:logs:us-east-2:1:x'}]}\n",
    );
    let l = load_paths(&[two], &LoadOptions::default()).unwrap();
    let m = &l.roots[0].scenarios[0].model;
    assert!(m.region.why_unknown().is_some());
    assert_eq!(
        m.endpoints[1].service,
        Maybe::Known(format!("com.amazonaws.{UNKNOWN_REGION}.logs"))
    );
    assert!(
        l.roots[0]
            .notes
            .iter()
            .any(|n| n.contains("eu-west-1, us-east-2")),
        "{:?}",
        l.roots[0].notes
    );
}

#[test]
fn account_comes_from_the_template_arns_or_stays_unknown() {
    let dir = tmp("account");
    let one = write(
        &dir,
        "one.yml",
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n      ManagedPolicyArns: [arn:aws:iam::111122223333:policy/p]\n      Path: !Sub '/${AWS::AccountId}/'\n",
    );
    let l = load_paths(std::slice::from_ref(&one), &LoadOptions::default()).unwrap();
    assert_eq!(
        l.roots[0].scenarios[0].model.account_id,
        Maybe::Known("111122223333".into())
    );
    let opts = LoadOptions {
        account_id: Some("444455556666".into()),
        ..LoadOptions::default()
    };
    let l = load_paths(std::slice::from_ref(&one), &opts).unwrap();
    assert_eq!(
        l.roots[0].scenarios[0].model.account_id,
        Maybe::Known("444455556666".into())
    );
}

#[test]
fn stages_are_nested_cloud_assemblies() {
    let dir = tmp("stage");
    write(
        &dir,
        "cdk.out/manifest.json",
        r#"{"version": "55.0.0", "artifacts": {"assembly-Prod": {"type": "cdk:cloud-assembly",
            "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}}}}"#,
    );
    write(
        &dir,
        "cdk.out/assembly-Prod/manifest.json",
        r#"{"version": "55.0.0", "artifacts": {"ProdNet": {"type": "aws:cloudformation:stack",
            "environment": "aws://111122223333/ap-southeast-2", "displayName": "Prod/Net",
            "properties": {"templateFile": "ProdNet.template.json", "stackName": "Prod-Net"}}}}"#,
    );
    write(
        &dir,
        "cdk.out/assembly-Prod/ProdNet.template.json",
        r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.3.0.0/16"}}}}"#,
    );
    let found = discover::discover(&[dir.join("cdk.out")], &Default::default()).unwrap();
    assert_eq!(found.roots.len(), 1);
    assert_eq!(found.roots[0].stack_name.as_deref(), Some("Prod-Net"));
    assert_eq!(found.roots[0].region.as_deref(), Some("ap-southeast-2"));
    // --stack matches the display name too.
    let sel = discover::Selection {
        stacks: vec!["Prod/Net".into()],
    };
    let found = discover::discover(&[dir.join("cdk.out")], &sel).unwrap();
    assert!(!found.roots[0].producer_only);
}
