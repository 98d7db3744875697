//! `[dns]` in `moat.toml`: the Route 53 Resolver DNS Firewall `moat synth` adds to the VPC.
//!
//! ```toml
//! [dns]
//! firewall = true                       # default; false: no firewall, no query logging
//! allow = ["internal.example.com", "*.corp.example.com"]   # names allowed beyond the needed ones
//! ```

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDns {
    pub firewall: Option<Spanned<bool>>,
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
}

/// The DNS Firewall settings of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSettings {
    /// Add the DNS Firewall (and Resolver query logging). Default true.
    pub firewall: bool,
    /// Names allowed beyond those the workload needs (`name` or `*.name`), lowercase.
    pub allow: Vec<String>,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            firewall: true,
            allow: Vec::new(),
        }
    }
}

/// Why `name` is not a DNS Firewall domain specification (`example.com`, `*.example.com`);
/// `*` alone is refused: allowing every name is turning the firewall off (`firewall = false`).
/// Syntax: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-domain-lists.html
pub(crate) fn domain_problem(name: &str) -> Option<String> {
    let host = name.strip_prefix("*.").unwrap_or(name);
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if labels_ok && host.contains('.') {
        return None;
    }
    Some(format!(
        "invalid [dns] allow entry `{name}`: expected a name with at least two labels (`api.example.com`) or `*.` before one (`*.example.com`); to allow every name set `firewall = false`"
    ))
}

/// Read `[dns]`; an error names the entry's span.
pub(crate) fn settings(
    raw: Option<&RawDns>,
    at: impl Fn(std::ops::Range<usize>, String) -> crate::SpecError,
) -> Result<DnsSettings, crate::SpecError> {
    let Some(raw) = raw else {
        return Ok(DnsSettings::default());
    };
    let mut allow = Vec::new();
    for a in &raw.allow {
        if let Some(m) = domain_problem(a.get_ref()) {
            return Err(at(a.span(), m));
        }
        let name = a.get_ref().to_ascii_lowercase();
        if !allow.contains(&name) {
            allow.push(name);
        }
    }
    Ok(DnsSettings {
        firewall: raw.firewall.as_ref().is_none_or(|f| *f.get_ref()),
        allow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_specs() {
        assert!(domain_problem("api.example.com").is_none());
        assert!(domain_problem("*.example.com").is_none());
        assert!(domain_problem("*").is_some());
        assert!(domain_problem("*.com").is_some());
        assert!(domain_problem("https://x.example.com").is_some());
        assert!(domain_problem("a..b").is_some());
    }

    #[test]
    fn reads_dns_section_with_positions() {
        let dir = std::env::temp_dir().join(format!("moat-spec-dns-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("moat.toml");
        let text = "name = \"x\"\nregion = \"us-east-1\"\n[dns]\nfirewall = false\nallow = [\"Internal.Example.com\"]\n";
        let (_, extras) = crate::load::load_str(&path, text).expect("loads");
        assert!(!extras.dns.firewall);
        assert_eq!(extras.dns.allow, ["internal.example.com"]);
        let bad = "name = \"x\"\nregion = \"us-east-1\"\n[dns]\nallow = [\"*\"]\n";
        let err = crate::load::load_str(&path, bad).unwrap_err().to_string();
        assert!(err.contains("moat.toml:4:"), "{err}");
        assert!(
            crate::load::load_str(&path, "name = \"x\"\nregion = \"us-east-1\"\n")
                .unwrap()
                .1
                .dns
                .firewall
        );
    }
}
