//! Every error class names the file and line:column; no input panics.

use moat_cfn::{load_str, Error, LoadOptions};

fn err(text: &str) -> Error {
    load_str("t.yml", text, &LoadOptions::default()).unwrap_err()
}

#[test]
fn malformed_yaml() {
    let e = err("Resources:\n  A: [1, 2\n");
    assert!(matches!(e, Error::Syntax { .. }), "{e}");
    assert!(e.to_string().starts_with("t.yml:"), "{e}");
}

#[test]
fn malformed_json() {
    let e = err("{\n  \"Resources\": {\n    \"A\": [1, 2}\n}");
    assert!(matches!(e, Error::Syntax { line: 3, .. }), "{e}");
}

#[test]
fn duplicate_key() {
    let e = err("Resources:\n  A:\n    Type: AWS::EC2::VPC\n  A:\n    Type: AWS::EC2::VPC\n");
    assert_eq!(
        e.to_string(),
        "t.yml:4:3: duplicate key `A` (first at line 2)"
    );
}

#[test]
fn unknown_intrinsic_tag_and_key() {
    let e = err(
        "Resources:\n  A:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Frob x\n",
    );
    assert_eq!(
        e.to_string(),
        "t.yml:5:18: unknown intrinsic function `!Frob`"
    );
    let e = err("Resources:\n  A:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {Fn::Frob: x}\n");
    assert_eq!(
        e.to_string(),
        "t.yml:5:19: unknown intrinsic function `Fn::Frob`"
    );
}

#[test]
fn bad_arity() {
    let e = err("Resources:\n  A:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !Select [0]\n");
    assert_eq!(
        e.to_string(),
        "t.yml:5:18: Fn::Select takes a list of 2 items"
    );
}

#[test]
fn unknown_ref() {
    let e = err(
        "Resources:\n  A:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nope\n",
    );
    assert_eq!(
        e.to_string(),
        "t.yml:5:14: `Nope` is not a parameter, pseudo parameter or resource of this template"
    );
}

#[test]
fn circular_resources() {
    let e = err("Resources:\n  A:\n    Type: X::Y\n    DependsOn: B\n  B:\n    Type: X::Y\n    Properties:\n      P: !GetAtt A.Arn\n");
    assert!(matches!(e, Error::Cycle { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("A -> B -> A"), "{e}");
}

#[test]
fn circular_conditions() {
    let e = err("Conditions:\n  C1: !Condition C2\n  C2: !Not [!Condition C1]\nResources:\n  A:\n    Type: X::Y\n    Condition: C1\n");
    assert!(matches!(e, Error::Cycle { .. }), "{e}");
    assert!(
        e.to_string().contains("condition `C1` depends on itself"),
        "{e}"
    );
}

#[test]
fn missing_and_circular_nested_templates() {
    let dir = std::env::temp_dir().join(format!("moat-cfn-nest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.yml");
    std::fs::write(&a, "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: b.yml\n").unwrap();
    std::fs::write(dir.join("b.yml"), "Resources:\n  Back:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: a.yml\n").unwrap();
    let e = moat_cfn::load_paths(std::slice::from_ref(&a), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Cycle {
                line: 5,
                col: 7,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("b.yml:5:7"), "{e}");
    std::fs::write(dir.join("b.yml"), "Resources:\n  Gone:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: nothere.yml\n").unwrap();
    let e = moat_cfn::load_paths(&[a], &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::MissingTemplate {
                line: 5,
                col: 7,
                ..
            }
        ),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn aliases_are_refused_clearly() {
    let e = err("Mappings:\n  M: &a {K: {V: 1}}\n  N: *a\n");
    assert!(e.to_string().contains("aliases"), "{e}");
}

/// Every prefix of every fixture, and byte-garbled variants, load or fail without panicking.
#[test]
fn every_prefix_and_garbling_no_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["isolated-vpc.yml", "cluster.yml", "private-service.yml"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let bytes = text.as_bytes();
        let mut ok = 0;
        for end in (0..=bytes.len()).step_by(7) {
            let s = String::from_utf8_lossy(&bytes[..end]);
            ok += usize::from(load_str(name, &s, &LoadOptions::default()).is_ok());
        }
        assert!(ok > 0);
        let mut seed = 0x9e3779b9u32;
        for _ in 0..300 {
            let mut b = bytes.to_vec();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % b.len();
                b[i] = b"{}[]:-!&*,'\"\n #.|>"[(seed >> 8) as usize % 18];
            }
            let _ = load_str(name, &String::from_utf8_lossy(&b), &LoadOptions::default());
        }
    }
}

#[test]
fn duplicate_key_in_a_large_mapping() {
    let mut t = String::from("Resources:\n");
    for i in 0..40 {
        t.push_str(&format!("  R{i}:\n    Type: X::Y\n"));
    }
    t.push_str("  R7:\n    Type: X::Y\n");
    let e = err(&t);
    assert_eq!(
        e.to_string(),
        "t.yml:82:3: duplicate key `R7` (first at line 16)"
    );
}

#[test]
fn long_condition_chain_is_an_error_not_a_crash() {
    let mut t = String::from("Conditions:\n  C0: !Equals [a, a]\n");
    for i in 1..5000 {
        t.push_str(&format!("  C{i}: !Condition C{}\n", i - 1));
    }
    t.push_str("Resources:\n  A:\n    Type: X::Y\n    Condition: C4999\n");
    let e = err(&t);
    assert!(e.to_string().contains("conditions nest deeper than"), "{e}");
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = |n: usize| {
        format!(
            "Resources:\n  A:\n    Type: X::Y\n    Properties:\n      P: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    assert!(load_str("t.yml", &deep(190), &LoadOptions::default()).is_ok());
    let e = err(&deep(5000));
    // The YAML parser's own recursion limit or ours, whichever is lower: an error, not a crash.
    assert!(matches!(e, Error::Syntax { line: 5, .. }), "{e}");
    let s = e.to_string();
    assert!(
        s.contains("recursion limit") || s.contains("nesting deeper"),
        "{e}"
    );
    // Intrinsics nested as deep as the parser allows resolve without exhausting the stack.
    let sel = format!(
        "Resources:\n  A:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: {}10.0.0.0/16{}\n",
        "{Fn::Select: [0, [".repeat(60),
        "]]}".repeat(60)
    );
    let l = load_str("t.yml", &sel, &LoadOptions::default()).unwrap();
    assert!(l.roots[0].scenarios[0].model.vpcs[0].cidrs[0].is_known());
}
