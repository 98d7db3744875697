//! The IAM evaluator replays AWS's documented evaluation examples; each case names its page.

use super::*;
use moat_model::{PolicyDocument, Provenance, Verdict};
use serde_json::{json, Value};

fn doc(v: Value, label: &str) -> PolicyDocument {
    PolicyDocument::from_json(&v, &Provenance::resource(label))
        .unwrap()
        .labelled(label)
}

fn user(name: &str) -> Principal {
    Principal::Role {
        arn: Some(format!("arn:aws:iam::123456789012:user/{name}")),
        account: Some("123456789012".into()),
    }
}

fn layer<'a>(stage: Stage, docs: Vec<&'a PolicyDocument>) -> Layer<'a> {
    Layer {
        stage,
        what: format!("{stage:?}"),
        docs,
        must_allow: stage != Stage::Resource,
        unknown: vec![],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Allow,
    Deny(Stage),
    Unproved,
}

fn verdict(d: &Decision) -> Want {
    match &d.verdict {
        Verdict::Proved => Want::Allow,
        Verdict::Refuted { .. } => Want::Deny(d.stage.unwrap()),
        Verdict::Unproved { .. } => Want::Unproved,
    }
}

struct Case {
    page: &'static str,
    what: &'static str,
    identity: Value,
    boundary: Option<Value>,
    resource: Option<Value>,
    request: Request,
    want: Want,
}

/// "Example identity-based and resource-based policy evaluation" (Carlos).
const EVAL_BASICS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html#reference_policies_evaluation-logic_policies_evaluation_example";
/// "Permissions boundaries for IAM entities" (ShirleyRodriguez).
const BOUNDARIES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html";
const NOT_ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
const NOT_RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
const IF_EXISTS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists";
const MULTI_VALUED: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
const VPCE_BUCKET: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html";

fn carlos() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
    ]})
}

fn carlos_bucket_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/carlossalazar"}, "Action": "s3:*",
         "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*"]}
    ]})
}

fn cases() -> Vec<Case> {
    let shirley_boundary = json!({"Statement": {"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}});
    let shirley_identity = json!({"Statement": {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "arn:aws:iam::123456789012:user/*"}});
    let not_action =
        json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}});
    let not_resource = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}]});
    let if_exists = json!({"Statement": {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
        "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}});
    let for_all = json!({"Statement": {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["ID", "Message", "Tags"]}}}});
    let vpce_perimeter = json!({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::awsexamplebucket1", "arn:aws:s3:::awsexamplebucket1/*"],
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]});
    let allow_all = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
    let object = |b: &str| Some(format!("arn:aws:s3:::{b}/report.txt"));
    vec![
        Case {
            page: EVAL_BASICS,
            what: "Carlos writes to his own bucket: AllowS3Self",
            identity: carlos(),
            boundary: None,
            resource: None,
            request: Request::new(
                user("carlossalazar"),
                "s3:PutObject",
                object("amzn-s3-demo-bucket-carlossalazar").as_deref(),
            ),
            want: Want::Allow,
        },
        Case {
            page: EVAL_BASICS,
            what: "Carlos writes to the -logs bucket: the bucket policy allows, DenyS3Logs denies",
            identity: carlos(),
            boundary: None,
            resource: Some(carlos_bucket_policy()),
            request: Request::new(
                user("carlossalazar"),
                "s3:PutObject",
                object("amzn-s3-demo-bucket-carlossalazar-logs").as_deref(),
            ),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: EVAL_BASICS,
            what: "Carlos lists his buckets: AllowS3ListRead",
            identity: carlos(),
            boundary: None,
            resource: None,
            request: Request::new(
                user("carlossalazar"),
                "s3:ListAllMyBuckets",
                Some("arn:aws:s3:::amzn-s3-demo-bucket"),
            ),
            want: Want::Allow,
        },
        Case {
            page: EVAL_BASICS,
            what: "another user's bucket: implicit deny",
            identity: carlos(),
            boundary: None,
            resource: None,
            request: Request::new(
                user("carlossalazar"),
                "s3:GetObject",
                object("amzn-s3-demo-bucket-other").as_deref(),
            ),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: EVAL_BASICS,
            what: "a same-account resource policy alone allows",
            identity: json!({"Statement": []}),
            boundary: None,
            resource: Some(carlos_bucket_policy()),
            request: Request::new(
                user("carlossalazar"),
                "s3:GetObject",
                object("amzn-s3-demo-bucket-carlossalazar-logs").as_deref(),
            ),
            want: Want::Allow,
        },
        Case {
            page: BOUNDARIES,
            what: "Shirley's identity policy allows iam:CreateUser, her boundary does not",
            identity: shirley_identity.clone(),
            boundary: Some(shirley_boundary.clone()),
            resource: None,
            request: Request::new(
                user("ShirleyRodriguez"),
                "iam:CreateUser",
                Some("arn:aws:iam::123456789012:user/new"),
            ),
            want: Want::Deny(Stage::Boundary),
        },
        Case {
            page: BOUNDARIES,
            what: "the boundary allows s3:* but grants nothing by itself",
            identity: shirley_identity,
            boundary: Some(shirley_boundary.clone()),
            resource: None,
            request: Request::new(
                user("ShirleyRodriguez"),
                "s3:GetObject",
                Some("arn:aws:s3:::b/k"),
            ),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: BOUNDARIES,
            what: "both allow: effective permission",
            identity: allow_all.clone(),
            boundary: Some(shirley_boundary),
            resource: None,
            request: Request::new(user("ShirleyRodriguez"), "ec2:RunInstances", Some("*")),
            want: Want::Allow,
        },
        Case {
            page: NOT_ACTION,
            what: "Allow NotAction iam:* allows s3",
            identity: not_action.clone(),
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "s3:ListAllMyBuckets", Some("*")),
            want: Want::Allow,
        },
        Case {
            page: NOT_ACTION,
            what: "Allow NotAction iam:* does not allow iam (any case)",
            identity: not_action,
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "IAM:createuser", Some("*")),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: NOT_RESOURCE,
            what: "Deny NotResource Payroll denies other buckets",
            identity: not_resource.clone(),
            boundary: None,
            resource: None,
            request: Request::new(
                user("u"),
                "s3:GetObject",
                Some("arn:aws:s3:::OtherBucket/x"),
            ),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: NOT_RESOURCE,
            what: "Deny NotResource Payroll leaves Payroll allowed",
            identity: not_resource,
            boundary: None,
            resource: None,
            request: Request::new(
                user("u"),
                "s3:GetObject",
                Some("arn:aws:s3:::HRBucket/Payroll/x"),
            ),
            want: Want::Allow,
        },
        Case {
            page: IF_EXISTS,
            what: "IfExists: a request without the key matches",
            identity: if_exists.clone(),
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "ec2:DescribeInstances", Some("*"))
                .without("ec2:InstanceType"),
            want: Want::Allow,
        },
        Case {
            page: IF_EXISTS,
            what: "IfExists: a present key must match",
            identity: if_exists.clone(),
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "ec2:RunInstances", Some("*"))
                .with("ec2:InstanceType", "c5.large"),
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: IF_EXISTS,
            what: "IfExists: t2.micro matches t2.*",
            identity: if_exists.clone(),
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "ec2:RunInstances", Some("*"))
                .with("ec2:InstanceType", "t2.micro"),
            want: Want::Allow,
        },
        Case {
            page: IF_EXISTS,
            what: "a key moat does not model leaves it unproved",
            identity: if_exists,
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "ec2:RunInstances", Some("*")),
            want: Want::Unproved,
        },
        Case {
            page: MULTI_VALUED,
            what: "ForAllValues with no key in the request matches",
            identity: for_all.clone(),
            boundary: None,
            resource: None,
            request: Request::new(user("u"), "dynamodb:GetItem", Some("*"))
                .without("dynamodb:Attributes"),
            want: Want::Allow,
        },
        Case {
            page: MULTI_VALUED,
            what: "ForAllValues: every requested attribute must be listed",
            identity: for_all,
            boundary: None,
            resource: None,
            request: {
                let mut r = Request::new(user("u"), "dynamodb:GetItem", Some("*"));
                r.context.insert(
                    "dynamodb:attributes".into(),
                    CtxValue::Present(vec!["ID".into(), "Secret".into()]),
                );
                r
            },
            want: Want::Deny(Stage::Identity),
        },
        Case {
            page: VPCE_BUCKET,
            what: "bucket perimeter: a request through the named endpoint passes",
            identity: allow_all.clone(),
            boundary: None,
            resource: Some(vpce_perimeter.clone()),
            request: Request::new(
                user("u"),
                "s3:GetObject",
                Some("arn:aws:s3:::awsexamplebucket1/k"),
            )
            .with("aws:SourceVpce", "vpce-1a2b3c4d"),
            want: Want::Allow,
        },
        Case {
            page: VPCE_BUCKET,
            what: "bucket perimeter: a request without aws:SourceVpce is denied",
            identity: allow_all.clone(),
            boundary: None,
            resource: Some(vpce_perimeter.clone()),
            request: Request::new(
                user("u"),
                "s3:GetObject",
                Some("arn:aws:s3:::awsexamplebucket1/k"),
            )
            .without("aws:SourceVpce"),
            want: Want::Deny(Stage::Resource),
        },
        Case {
            page: VPCE_BUCKET,
            what: "bucket perimeter: an unknown endpoint id is unproved",
            identity: allow_all,
            boundary: None,
            resource: Some(vpce_perimeter),
            request: Request::new(
                user("u"),
                "s3:GetObject",
                Some("arn:aws:s3:::awsexamplebucket1/k"),
            )
            .unknown("aws:SourceVpce", "the endpoint id", "deploy"),
            want: Want::Unproved,
        },
    ]
}

#[test]
fn replays_aws_documented_examples() {
    for c in cases() {
        let identity = doc(c.identity.clone(), "identity");
        let boundary = c.boundary.clone().map(|b| doc(b, "boundary"));
        let resource = c.resource.clone().map(|r| doc(r, "resource"));
        let mut layers = vec![layer(Stage::Identity, vec![&identity])];
        if let Some(b) = &boundary {
            layers.push(layer(Stage::Boundary, vec![b]));
        }
        if let Some(r) = &resource {
            layers.push(layer(Stage::Resource, vec![r]));
        }
        let d = decide(&layers, &c.request);
        assert_eq!(
            verdict(&d),
            c.want,
            "{} ({}): {:?}",
            c.what,
            c.page,
            d.verdict
        );
    }
}

#[test]
fn unknown_values_never_allow() {
    // An action given by an unresolved parameter.
    let mut d = doc(
        json!({"Statement": {"Effect": "Allow", "Action": "x", "Resource": "*"}}),
        "p",
    );
    d.statements[0].actions.items = vec![moat_model::Maybe::Unknown("parameter A".into())];
    let r = Request::new(user("u"), "logs:PutLogEvents", Some("*"));
    assert_eq!(
        verdict(&decide(&[layer(Stage::Identity, vec![&d])], &r)),
        Want::Unproved
    );
    // A resource whose account is unknown against a statement that names one.
    let d = doc(
        json!({"Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*"}}),
        "p",
    );
    let r = Request::new(
        user("u"),
        "logs:PutLogEvents",
        Some("arn:aws:logs:us-east-1:*:log-group:/ecs/web:*"),
    );
    assert_eq!(
        verdict(&decide(&[layer(Stage::Identity, vec![&d])], &r)),
        Want::Unproved
    );
    // A layer with an unreadable managed policy never proves.
    let d = doc(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
        "p",
    );
    let mut l = layer(Stage::Identity, vec![&d]);
    l.unknown.push(moat_model::Unknown {
        what: "managed policy X".into(),
        prov: Provenance::default(),
        settle: "s".into(),
    });
    assert_eq!(verdict(&decide(&[l], &r)), Want::Unproved);
}

#[test]
fn trust_policies() {
    use moat_model::{Id, Maybe, Role};
    let role = |trust: Value| Role {
        id: Id::from("R"),
        arn: Maybe::unknown("x"),
        managed_policy_arns: vec![],
        statements: vec![],
        trusted_services: vec![],
        trust_has_source_conditions: false,
        policies: vec![],
        permissions_boundary: None,
        trust: Some(Maybe::Known(doc(trust, "trust"))),
        prov: Provenance::default(),
    };
    let acct = Maybe::Known("123456789012".to_string());
    let good = role(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}, "StringEquals": {"aws:SourceAccount": "123456789012"}}}}),
    );
    assert!(trust_verdict(&good, "aws", &acct, "us-east-1").is_proved());
    // The same role used in another region: the SourceArn condition names us-east-1.
    assert!(trust_verdict(&good, "aws", &acct, "eu-west-1").is_refuted());
    let other_account = role(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}}),
    );
    assert!(trust_verdict(&other_account, "aws", &acct, "us-east-1").is_refuted());
    let wrong_service = role(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}),
    );
    assert!(trust_verdict(&wrong_service, "aws", &acct, "us-east-1").is_refuted());
    // A cluster-scoped SourceArn: whether the task's cluster matches is unknown.
    let cluster = role(
        json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/*"}}}}),
    );
    assert!(trust_verdict(&cluster, "aws", &acct, "us-east-1").is_unproved());
}
