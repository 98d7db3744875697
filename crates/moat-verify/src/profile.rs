//! Profiles: how strict a run is. The default profile reports each rule at its own severity;
//! the strict one — for an environment a bank signs off — raises the rules whose risk an
//! isolated design must close, not merely know about, to errors.
//!
//! ```
//! use moat_model::{Finding, Provenance, Severity};
//! use moat_verify::{apply_profile, Profile};
//! let mut f = vec![Finding {
//!     code: "MOAT012",
//!     severity: Severity::Warning,
//!     message: "VPC `Vpc` resolves arbitrary public names".into(),
//!     prov: Provenance::resource("Vpc"),
//!     help: String::new(),
//!     path: vec![],
//! }];
//! apply_profile(&mut f, Profile::Strict);
//! assert_eq!(f[0].severity, Severity::Error);
//! ```

use moat_model::{Finding, Severity};
use std::str::FromStr;

/// How strict a run is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// Every rule at its own severity.
    #[default]
    Default,
    /// The rules of [`STRICT_ERRORS`] are errors.
    Strict,
}

/// Codes the strict profile raises to errors, with why:
/// - MOAT012: DNS that resolves any public name is a way out for data (DNS tunnelling); an
///   isolated VPC that does not close it is not isolated.
pub const STRICT_ERRORS: &[&str] = &["MOAT012"];

impl Profile {
    /// `--strict` on the command line.
    pub fn from_strict(strict: bool) -> Self {
        if strict {
            Profile::Strict
        } else {
            Profile::Default
        }
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Profile::Default),
            "strict" => Ok(Profile::Strict),
            other => Err(format!(
                "unknown profile `{other}` (expected `default` or `strict`)"
            )),
        }
    }
}

/// Raise the findings `profile` makes errors.
pub fn apply_profile(findings: &mut [Finding], profile: Profile) {
    if profile == Profile::Default {
        return;
    }
    for f in findings.iter_mut() {
        if STRICT_ERRORS.contains(&f.code) {
            f.severity = Severity::Error;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::Provenance;

    fn finding(code: &'static str, severity: Severity) -> Finding {
        Finding {
            code,
            severity,
            message: String::new(),
            prov: Provenance::resource("Vpc"),
            help: String::new(),
            path: vec![],
        }
    }

    #[test]
    fn default_keeps_severities_and_strict_raises_only_its_codes() {
        let mut f = vec![
            finding("MOAT012", Severity::Warning),
            finding("MOAT202", Severity::Warning),
        ];
        apply_profile(&mut f, Profile::Default);
        assert_eq!(f[0].severity, Severity::Warning);
        apply_profile(&mut f, Profile::Strict);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[1].severity, Severity::Warning);
        assert_eq!("strict".parse(), Ok(Profile::Strict));
        assert!("lenient".parse::<Profile>().is_err());
    }
}
