//! The AWS managed policies ECS roles use, with their statements and where and when moat read
//! them. An execution or task role that attaches one of these is judged on these statements; a
//! role that attaches any other AWS managed policy is judged "unproved" (moat cannot see what it
//! grants or denies).

use crate::sources as src;

/// One AWS managed policy as moat carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// The policy name (`AmazonECSTaskExecutionRolePolicy`).
    pub name: &'static str,
    /// The ARN path after `arn:<partition>:iam::aws:policy` (`/service-role/`).
    pub path: &'static str,
    /// The policy document (JSON) of the default version.
    pub document: &'static str,
    /// The page that publishes the document.
    pub source: &'static str,
    /// When moat's copy was read from that page (UTC date).
    pub read_on: &'static str,
}

/// The managed policies moat knows.
pub const MANAGED_POLICIES: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AmazonECSTaskExecutionRolePolicy",
        path: "/service-role/",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
        source: src::TASK_EXECUTION_ROLE_MANAGED_POLICY,
        read_on: "2026-12-01",
    },
    ManagedPolicy {
        name: "AmazonEC2ContainerServiceEventsRole",
        path: "/service-role/",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:RunTask"],"Resource":["*"]},{"Effect":"Allow","Action":"iam:PassRole","Resource":["*"],"Condition":{"StringLike":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}},{"Effect":"Allow","Action":"ecs:TagResource","Resource":"*","Condition":{"StringEquals":{"ecs:CreateAction":["RunTask"]}}}]}"#,
        source: "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerServiceEventsRole.html",
        read_on: "2026-12-01",
    },
];

/// The managed policy with this ARN (`arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
/// any partition), if moat knows it.
pub fn managed_policy(arn: &str) -> Option<&'static ManagedPolicy> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some("aws"), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = rest.strip_prefix("policy")?;
    MANAGED_POLICIES
        .iter()
        .find(|p| rest.strip_prefix(p.path) == Some(p.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_arn_in_any_partition() {
        let p =
            managed_policy("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
                .unwrap();
        assert_eq!(p.name, "AmazonECSTaskExecutionRolePolicy");
        assert!(managed_policy(
            "arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        )
        .is_some());
        // A customer policy of the same name is not the AWS one.
        assert!(managed_policy(
            "arn:aws:iam::123456789012:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        )
        .is_none());
        assert!(
            managed_policy("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy").is_none()
        );
    }

    #[test]
    fn documents_are_json_with_statements() {
        for p in MANAGED_POLICIES {
            let v: serde_json::Value = serde_json::from_str(p.document).unwrap();
            assert!(v["Statement"].is_array(), "{}", p.name);
        }
    }
}
