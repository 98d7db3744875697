//! Value checks for `moat.toml`: each says what was expected. Every function returns the
//! message for a bad value, or `None` when it is fine.

/// CloudWatch Logs accepts only these retention periods (days): PutRetentionPolicy
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html>.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Environment names prefix resource names (NLB and target group names allow 32 characters), so
/// they stay short: 1-20 of `a-z 0-9 -`, starting with a letter.
pub fn env_name(n: &str) -> Option<String> {
    let ok = (1..=20).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !n.ends_with('-');
    (!ok).then(|| format!("invalid name `{n}`: expected 1-20 characters of a-z, 0-9 and `-`, starting with a letter"))
}

pub fn service_name(n: &str) -> Option<String> {
    let ok = (1..=24).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (!ok).then(|| format!("invalid service name `{n}`: expected 1-24 characters of a-z, 0-9 and `-`, starting with a letter"))
}

pub fn region(r: &str) -> Option<String> {
    let parts: Vec<&str> = r.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return Some(format!(
            "invalid region `{r}`: expected an AWS region code such as `us-east-1`"
        ));
    }
    // A well-formed code that is not a Region (`us-east-7`, `eu-west-9`): the catalog's list.
    (!moat_catalog::regions::is_region(r)).then(|| {
        format!(
            "region `{r}` is not an AWS Region{}",
            crate::suggest::hint(r, moat_catalog::regions::REGIONS)
        )
    })
}

/// The region field of an ARN (`arn:aws:kms:eu-west-1:…` → `eu-west-1`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

pub fn account_id(a: &str) -> Option<String> {
    let ok = a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    (!ok).then(|| format!("invalid account_id `{a}`: expected 12 digits"))
}

/// ECR repository names: lowercase path components of letters, digits and `._-`, 2-256 chars
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html>).
pub fn ecr_repository(n: &str) -> Option<String> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    };
    let ok = (2..=256).contains(&n.len()) && n.split('/').all(component_ok);
    (!ok).then(|| format!("invalid ECR repository name `{n}`: expected lowercase path components of a-z, 0-9, `.`, `_`, `-` (e.g. `team/app`)"))
}

/// S3 bucket names: 3-63 characters of a-z, 0-9, `.` and `-`, starting and ending with a
/// letter or digit.
pub fn bucket(b: &str) -> Option<String> {
    let ok = (3..=63).contains(&b.len())
        && b.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    (!ok).then(|| format!("invalid S3 bucket name `{b}`: expected 3-63 characters of a-z, 0-9, `.` and `-` (a bucket name, not an ARN)"))
}

/// `arn:<partition>:<service>:…` with at least six parts.
pub fn arn_of(a: &str, service: &str) -> bool {
    let parts: Vec<&str> = a.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[1].starts_with("aws") && parts[2] == service
}

/// Endpoint service principals: `*`, or an IAM ARN (account root, role, user).
pub fn principal(p: &str) -> Option<String> {
    let ok = p == "*"
        || (arn_of(p, "iam")
            && p.split(':')
                .nth(4)
                .is_some_and(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())));
    if ok {
        return None;
    }
    // An account id alone is the commonest slip: endpoint services take ARNs, and the account's
    // root ARN is what an account id means there.
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "invalid principal `{p}`: expected `*` or an IAM ARN (an account id alone is not one); did you mean `arn:aws:iam::{p}:root`?"
        ));
    }
    Some(format!("invalid principal `{p}`: expected `*` or an IAM ARN such as `arn:aws:iam::210987654321:root`"))
}

/// Egress allowlist entries: exactly what the gateway loads (`host`, `host:port`, `*.base`,
/// `*.base:port`), checked by the one allowlist validator the gateway and `moat gate
/// report` use, so an entry the spec accepts never stops the deployed gateway.
pub fn allow_host(h: &str) -> Option<String> {
    moat_allow::parse_entry(h).err().map(|e| {
        format!("invalid egress allow entry `{h}`: {e} (expected e.g. `api.example.com`, `*.example.com` or `licence.example.com:8443`)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(env_name("isolated-service").is_none());
        assert!(env_name("Bad_Name").is_some());
        assert!(region("us-east-1").is_none() && region("us-gov-west-1").is_none());
        assert!(region("useast1").is_some() && region("us-east").is_some());
        assert!(account_id("123456789012").is_none() && account_id("12345").is_some());
        assert!(ecr_repository("my-ecr-repo/app-image").is_none());
        assert!(ecr_repository("My/Repo").is_some());
        assert!(bucket("my-config").is_none() && bucket("arn:aws:s3:::x").is_some());
        assert!(principal("arn:aws:iam::210987654321:root").is_none());
        assert!(principal("*").is_none());
        assert!(principal("210987654321")
            .unwrap()
            .contains("did you mean `arn:aws:iam::210987654321:root`?"));
        assert!(region("us-east-7")
            .unwrap()
            .contains("is not an AWS Region; did you mean `us-east-1`?"));
        assert!(region("ap-southeast-7").is_none() && region("cn-north-1").is_none());
        assert!(allow_host("*.example.com").is_none() && allow_host("https://x").is_some());
        // The gateway's validator: host:port accepted; public-suffix wildcards (at or below
        // the base) and IP addresses in any numeric form refused.
        assert!(allow_host("licence.example.com:8443").is_none());
        for bad in [
            "*.com",
            "*.co.uk",
            "*.amazonaws.com",
            "10.0.0.1",
            "2130706433",
            "127.1",
            "0x7f000001",
            "a.test:0",
        ] {
            assert!(allow_host(bad).is_some(), "{bad}");
        }
    }
}
