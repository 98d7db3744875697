//! IAM's wildcard matching: `*` any run of characters, `?` one character. Actions match
//! without regard to case, ARNs with it.
//!
//! Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
//! ("action names are case insensitive"), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
//! (wildcards in ARNs; "ARNs are case sensitive").

/// Case-insensitive glob with `*` and `?` (IAM action matching is case-insensitive; resource
/// matching is case-sensitive, callers pass `ci` accordingly).
pub fn glob(pattern: &str, text: &str, ci: bool) -> bool {
    let chars = |s: &str| -> Vec<char> {
        if ci {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    backtracking_glob(&chars(pattern), &chars(text), false)
}

/// The one matching loop behind [`glob`] and [`cover`]: `*` in `p` spans any run, `?` one
/// character. With `text_star_opaque`, a `*` in `t` stands for a value moat does not know, so
/// only a `*` of `p` absorbs it (a `?` or a literal would cover one value, not every value).
fn backtracking_glob(p: &[char], t: &[char], text_star_opaque: bool) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        let one = pi < p.len()
            && p[pi] != '*'
            && (p[pi] == t[ti] || (p[pi] == '?' && !(text_star_opaque && t[ti] == '*')));
        if one {
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

/// How a statement pattern covers a needed resource whose `*` stand for a value moat does not
/// know (an account id of a role given by reference, the log stream a task will name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// Every value the needed pattern stands for matches.
    All,
    /// Some do, some may not.
    Some,
    /// None does.
    None,
}

/// Does statement pattern `stmt` cover every resource `need` stands for? `need`'s `*` is matched
/// only by a `*` of the statement (a `?` or a literal covers one value, not every value).
pub fn cover(stmt: &str, need: &str) -> Cover {
    let (stmt_chars, need_chars): (Vec<char>, Vec<char>) =
        (stmt.chars().collect(), need.chars().collect());
    if backtracking_glob(&stmt_chars, &need_chars, true) {
        Cover::All
    } else if globs_intersect(stmt, need) {
        Cover::Some
    } else {
        Cover::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // A `*` in the text is a character like any other: the pattern's `*` still spans it
        // (one loop serves both matchers; the old copy took `*` against `*` as a literal).
        assert!(glob("*a", "*ba", false));
        assert!(glob("arn:*:x", "arn:*:y:x", false));
        // ARNs are case-sensitive.
        assert!(!glob(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/x",
            false
        ));
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
    fn covering() {
        let need = "arn:aws:logs:us-east-1:*:log-group:/ecs/app:*";
        assert_eq!(cover("*", need), Cover::All);
        assert_eq!(
            cover("arn:aws:logs:*:*:log-group:/ecs/app:*", need),
            Cover::All
        );
        assert_eq!(
            cover(
                "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*",
                need
            ),
            Cover::Some
        );
        assert_eq!(
            cover("arn:aws:logs:us-east-1:*:log-group:/ecs/other:*", need),
            Cover::None
        );
        // A secret ARN with AWS's random suffix modelled as `-??????`.
        let secret = "arn:aws:secretsmanager:us-east-1:1:secret:db-??????";
        assert_eq!(
            cover("arn:aws:secretsmanager:us-east-1:1:secret:db-*", secret),
            Cover::All
        );
        assert_eq!(
            cover(
                "arn:aws:secretsmanager:us-east-1:1:secret:db-??????",
                secret
            ),
            Cover::All
        );
        assert_eq!(
            cover("arn:aws:secretsmanager:us-east-1:1:secret:db", secret),
            Cover::None
        );
    }
}
