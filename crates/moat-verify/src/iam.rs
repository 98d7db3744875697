//! Just enough IAM evaluation to answer "does this role allow action A on resource R?" and "does
//! this endpoint policy allow s3:GetObject on the ECR layer bucket?": explicit deny wins, then any
//! allow; wildcards `*` and `?` in actions and resources.
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

use moat_model::{Maybe, Role};
use serde_json::Value;

/// `AmazonECSTaskExecutionRolePolicy` grants these actions on `*`.
/// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-iam-awsmanpol.html#security-iam-awsmanpol-AmazonECSTaskExecutionRolePolicy
const ECS_TASK_EXECUTION_ROLE_POLICY: &[&str] = &[
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// Managed policies whose content moat knows, by ARN suffix.
fn managed_policy_actions(arn: &str) -> Option<&'static [&'static str]> {
    if arn.ends_with(":policy/service-role/AmazonECSTaskExecutionRolePolicy") {
        return Some(ECS_TASK_EXECUTION_ROLE_POLICY);
    }
    None
}

/// Case-insensitive glob with `*` and `?` (IAM action matching is case-insensitive; resource
/// matching is case-sensitive, callers pass `ci` accordingly).
pub fn glob(pattern: &str, text: &str, ci: bool) -> bool {
    let p: Vec<char> = if ci {
        pattern.to_lowercase().chars().collect()
    } else {
        pattern.chars().collect()
    };
    let t: Vec<char> = if ci {
        text.to_lowercase().chars().collect()
    } else {
        text.chars().collect()
    };
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Could a statement's resource pattern `a` match some resource the needed pattern `b` stands
/// for? `b` holds `*` for one ARN segment moat does not know (the account id of a role given
/// only by reference, a log stream name), so a `*` in `b` never spans a `:`; a `*` in `a` is
/// IAM's and matches anything.
pub fn globs_intersect(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // reach[i][j]: prefixes a[..i] and b[..j] can produce a common string.
    let mut reach = vec![vec![false; b.len() + 1]; a.len() + 1];
    reach[0][0] = true;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            if !reach[i][j] {
                continue;
            }
            let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
            if ca == Some('*') {
                reach[i + 1][j] = true; // a's star matches nothing more
                if j < b.len() {
                    reach[i][j + 1] = true; // a's star absorbs b's next symbol
                }
            }
            if cb == Some('*') {
                reach[i][j + 1] = true;
                if i < a.len() && ca != Some(':') {
                    reach[i + 1][j] = true;
                }
            }
            if let (Some(x), Some(y)) = (ca, cb) {
                if x != '*' && y != '*' && (x == y || x == '?' || y == '?') {
                    reach[i + 1][j + 1] = true;
                }
            }
        }
    }
    reach[a.len()][b.len()]
}

/// The answer to "is this allowed?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Yes,
    No,
    /// Cannot tell (a managed policy moat does not know, an unknown value).
    Unknown(String),
}

/// Does `role` allow `action` on `resource`? A resource pattern on our side may itself contain
/// `*` (e.g. a log group ARN with an unknown account); a statement resource matches when it
/// covers the needed pattern literally or by glob.
pub fn role_allows(role: &Role, action: &str, resource: &str) -> Allowed {
    let mut unknown = None;
    for st in &role.statements {
        let acts = st.actions.iter().any(|a| match a {
            Maybe::Known(a) => glob(a, action, true),
            Maybe::Unknown(_) => false,
        });
        let res = st.resources.iter().any(|r| match r {
            Maybe::Known(r) => glob(r, resource, false),
            Maybe::Unknown(_) => false,
        });
        // A deny counts only when it certainly covers the resource (plain glob).
        if acts && res && !st.allow {
            return Allowed::No;
        }
    }
    for st in &role.statements {
        if !st.allow {
            continue;
        }
        let mut act_match = false;
        for a in &st.actions {
            match a {
                Maybe::Known(a) if glob(a, action, true) => act_match = true,
                Maybe::Unknown(w) => unknown = Some(format!("an action is unknown ({w})")),
                _ => {}
            }
        }
        if !act_match {
            continue;
        }
        for r in &st.resources {
            match r {
                Maybe::Known(r) if globs_intersect(r, resource) => return Allowed::Yes,
                Maybe::Unknown(w) => unknown = Some(format!("a resource is unknown ({w})")),
                _ => {}
            }
        }
    }
    for arn in &role.managed_policy_arns {
        match arn {
            Maybe::Known(arn) => match managed_policy_actions(arn) {
                Some(actions) if actions.iter().any(|a| a.eq_ignore_ascii_case(action)) => {
                    return Allowed::Yes
                }
                Some(_) => {}
                None => unknown = Some(format!("managed policy {arn} is not one moat knows")),
            },
            Maybe::Unknown(w) => unknown = Some(format!("a managed policy is unknown ({w})")),
        }
    }
    match unknown {
        Some(w) => Allowed::Unknown(w),
        None => Allowed::No,
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => vec![],
    }
}

/// Does a resource policy document (an endpoint policy) allow any principal `action` on
/// `resource`? Only `Effect`, `Action`/`NotAction`, `Resource`, and `Principal: "*"` are
/// interpreted; a statement with a `Condition` is treated as not certainly applying.
pub fn policy_allows(doc: &Value, action: &str, resource: &str) -> Allowed {
    let statements = as_list(doc.get("Statement"));
    let applies = |st: &Value| -> Option<bool> {
        let acts = as_list(st.get("Action"));
        let nacts = as_list(st.get("NotAction"));
        let act_ok = if !acts.is_empty() {
            acts.iter()
                .any(|a| a.as_str().is_some_and(|a| glob(a, action, true)))
        } else if !nacts.is_empty() {
            !nacts
                .iter()
                .any(|a| a.as_str().is_some_and(|a| glob(a, action, true)))
        } else {
            false
        };
        let res_ok = as_list(st.get("Resource"))
            .iter()
            .any(|r| r.as_str().is_some_and(|r| glob(r, resource, false)));
        if !(act_ok && res_ok) {
            return Some(false);
        }
        if st.get("Condition").is_some() {
            return None;
        }
        Some(true)
    };
    let mut maybe = false;
    for st in &statements {
        if st.get("Effect").and_then(Value::as_str) == Some("Deny") {
            match applies(st) {
                Some(true) => return Allowed::No,
                None => maybe = true,
                Some(false) => {}
            }
        }
    }
    for st in &statements {
        if st.get("Effect").and_then(Value::as_str) == Some("Allow") {
            match applies(st) {
                Some(true) => {
                    return if maybe {
                        Allowed::Unknown("a conditional Deny statement may apply".into())
                    } else {
                        Allowed::Yes
                    }
                }
                None => maybe = true,
                Some(false) => {}
            }
        }
    }
    if maybe {
        Allowed::Unknown("only conditional statements match".into())
    } else {
        Allowed::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::{Id, Provenance, Statement};

    #[test]
    fn globbing() {
        assert!(glob("s3:Get*", "s3:GetObject", true));
        assert!(glob("*", "anything", true));
        assert!(glob(
            "arn:aws:s3:::prod-*-starport-layer-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
            false
        ));
        assert!(!glob(
            "arn:aws:s3:::my-bucket/*",
            "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
            false
        ));
        assert!(glob("logs:createloggroup", "logs:CreateLogGroup", true));
        assert!(!glob("logs:Create?", "logs:CreateLogGroup", true));
    }

    #[test]
    fn glob_intersection() {
        let role = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*";
        assert!(globs_intersect(
            role,
            "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*"
        ));
        assert!(!globs_intersect(
            role,
            "arn:aws:logs:us-east-1:*:log-group:/ecs/other:*"
        ));
        assert!(globs_intersect("*", "anything"));
        assert!(globs_intersect("a*c", "ab*"));
        assert!(!globs_intersect("abc", "abd"));
        assert!(globs_intersect("a?c", "abc"));
    }

    #[test]
    fn managed_policy_lacks_create_log_group() {
        let role = Role {
            id: Id::from("Exec"),
            arn: Maybe::unknown("x"),
            managed_policy_arns: vec![Maybe::Known(
                "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy".into(),
            )],
            statements: vec![],
            trusted_services: vec![],
            trust_has_source_conditions: true,
            prov: Provenance::default(),
        };
        assert_eq!(
            role_allows(&role, "logs:PutLogEvents", "arn:aws:logs:*:*:log-group:x:*"),
            Allowed::Yes
        );
        assert_eq!(
            role_allows(
                &role,
                "logs:CreateLogGroup",
                "arn:aws:logs:*:*:log-group:x:*"
            ),
            Allowed::No
        );
        let with = Role {
            statements: vec![Statement {
                allow: true,
                actions: vec![Maybe::Known("logs:CreateLogGroup".into())],
                resources: vec![Maybe::Known("*".into())],
                prov: Provenance::default(),
            }],
            ..role
        };
        assert_eq!(
            role_allows(
                &with,
                "logs:CreateLogGroup",
                "arn:aws:logs:*:*:log-group:x:*"
            ),
            Allowed::Yes
        );
    }

    #[test]
    fn endpoint_policy() {
        let layer = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*";
        let doc: Value = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"]}]});
        assert_eq!(policy_allows(&doc, "s3:GetObject", layer), Allowed::Yes);
        let narrow: Value = serde_json::json!({"Statement": {"Effect": "Allow", "Principal": "*",
            "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*"}});
        assert_eq!(policy_allows(&narrow, "s3:GetObject", layer), Allowed::No);
        let deny: Value = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-*"}]});
        assert_eq!(policy_allows(&deny, "s3:GetObject", layer), Allowed::No);
    }
}
