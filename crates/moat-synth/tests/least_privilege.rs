//! Least privilege in the synthesized template: one execution role per service (the egress
//! gateway's apart from the workload's), and the posture the environment's KMS key gives.

use moat_synth::{plan_with, synth, PlanOptions, TemplateFormat};
use serde_json::Value;
use std::path::Path;

fn template(example: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    let (spec, extras) = moat_spec::load_with_extras(&dir).unwrap();
    let plan = plan_with(&spec, &PlanOptions::from_extras(&extras)).unwrap();
    serde_json::from_str(&synth(&plan, TemplateFormat::Json)).unwrap()
}

#[test]
fn each_service_has_its_own_execution_role() {
    let t = template("controlled-egress");
    let res = &t["Resources"];
    assert!(res.get("TaskExecutionRole").is_none(), "no shared role");
    let policy = |id: &str| res[id]["Properties"]["Policies"].to_string();
    let workload = policy("PaymentsExecutionRole");
    let gateway = policy("EgressGatewayExecutionRole");
    assert!(workload.contains("repository/payments"), "{workload}");
    assert!(!workload.contains("moat-gate"), "{workload}");
    assert!(!workload.contains("egress-gateway"), "{workload}");
    assert!(gateway.contains("repository/moat-gate"), "{gateway}");
    assert!(!gateway.contains("payments"), "{gateway}");
    for (td, role) in [
        ("PaymentsTaskDefinition", "PaymentsExecutionRole"),
        ("EgressGatewayTaskDefinition", "EgressGatewayExecutionRole"),
    ] {
        assert_eq!(
            res[td]["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0], role,
            "{td}"
        );
    }
}

#[test]
fn log_groups_and_repositories_use_the_environment_key() {
    let t = template("private-ingress");
    let res = t["Resources"].as_object().unwrap();
    let key = &res["EnvironmentKey"]["Properties"];
    assert_eq!(key["EnableKeyRotation"], true);
    let mut groups = 0;
    for r in res.values() {
        let props = &r["Properties"];
        match r["Type"].as_str().unwrap() {
            "AWS::Logs::LogGroup" => {
                groups += 1;
                assert_eq!(props["KmsKeyId"]["Fn::GetAtt"][0], "EnvironmentKey");
                // The key policy names this group in the logs principal's encryption context.
                let name = props["LogGroupName"].as_str().unwrap();
                assert!(
                    key["KeyPolicy"]
                        .to_string()
                        .contains(&format!("log-group:{name}\"")),
                    "{name} missing from the key policy"
                );
            }
            "AWS::ECR::Repository" => {
                assert_eq!(props["ImageTagMutability"], "IMMUTABLE");
                assert_eq!(props["ImageScanningConfiguration"]["ScanOnPush"], true);
                assert_eq!(props["EncryptionConfiguration"]["EncryptionType"], "KMS");
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                assert!(props["LoadBalancerAttributes"]
                    .to_string()
                    .contains("access_logs.s3.enabled"));
                assert_eq!(r["DependsOn"][0], "AccessLogBucketPolicy");
            }
            _ => {}
        }
    }
    assert!(groups >= 3, "task, flow and DNS query log groups");
    // Nobody gets the key's cryptographic use but CloudWatch Logs (and ECR, via grants).
    for st in key["KeyPolicy"]["Statement"].as_array().unwrap() {
        let actions = st["Action"].to_string();
        if st["Principal"]["AWS"].is_object() {
            assert!(!actions.contains("kms:Decrypt"), "{st}");
            assert!(!actions.contains("kms:*"), "{st}");
        }
    }
}

/// `tls = "reencrypt"`: a TLS listener with the certificate and a TLS target group (the NLB
/// opens a new TLS connection to the task), health-checked over TCP.
#[test]
fn reencrypt_uses_a_tls_listener_and_a_tls_target_group() {
    #[path = "common/mod.rs"]
    mod common;
    let plan = common::plan(&common::full()).unwrap();
    let t: Value = serde_json::from_str(&synth(&plan, TemplateFormat::Json)).unwrap();
    let res = &t["Resources"];
    let listener = &res["OrdersApiListener"]["Properties"];
    assert_eq!(listener["Protocol"], "TLS");
    assert!(listener["Certificates"][0]["CertificateArn"].is_string());
    let targets = &res["OrdersApiTargetGroup"]["Properties"];
    assert_eq!(targets["Protocol"], "TLS");
    assert_eq!(targets["HealthCheckProtocol"], "TCP");
}
