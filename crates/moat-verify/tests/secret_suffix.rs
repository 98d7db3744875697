//! A secret read by partial ARN (CDK's `Secret.fromSecretNameV2`) has a real ARN with six random
//! characters after the name; CDK grants `…:secret:name-??????`. Such a grant covers the need,
//! a grant on the bare partial ARN does not (as in IAM). Loaded through moat-cfn, which writes the
//! suffix as `-??????` (moat_cfn value::SECRET_SUFFIX).

fn secret_findings(grant: &str) -> Vec<String> {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base.yml"),
    )
    .unwrap();
    let partial = "!Join ['', ['arn:', !Ref AWS::Partition, ':secretsmanager:', !Ref AWS::Region, ':', !Ref AWS::AccountId, ':secret:prod/db']]";
    let t = base
        .replacen(
            "          Essential: true\n",
            &format!("          Essential: true\n          Secrets:\n            - Name: PASSWORD\n              ValueFrom: {partial}\n"),
            1,
        )
        .replacen(
            "      ManagedPolicyArns:\n",
            &format!("      Policies:\n        - PolicyName: secret\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: secretsmanager:GetSecretValue\n                Resource: !Sub 'arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{grant}'\n      ManagedPolicyArns:\n"),
            1,
        );
    let opts = moat_cfn::LoadOptions {
        region: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
        ..moat_cfn::LoadOptions::default()
    };
    let loaded = moat_cfn::load_str("t.yml", &t, &opts).unwrap_or_else(|e| panic!("{e}"));
    moat_verify::check(
        &loaded.roots[0].scenarios[0].model,
        &moat_verify::Options::default(),
    )
    .into_iter()
    .filter(|f| f.code == "MOAT110" && f.message.contains("secretsmanager:GetSecretValue"))
    .map(|f| f.message)
    .collect()
}

#[test]
fn grant_with_the_suffix_pattern_covers_a_partial_arn() {
    assert_eq!(secret_findings("prod/db-??????"), Vec::<String>::new());
    assert_eq!(secret_findings("prod/*"), Vec::<String>::new());
}

#[test]
fn grant_on_the_bare_partial_arn_does_not() {
    let f = secret_findings("prod/db");
    assert_eq!(f.len(), 1, "{f:?}");
}
