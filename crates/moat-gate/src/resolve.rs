//! Name resolution done by the gateway itself (the client never picks the address).
//!
//! Order: `--resolve NAME=IP` overrides (split-horizon and tests), then either the DNS
//! server given by `--dns-server` (queried with hickory-resolver) or the system
//! resolver (`getaddrinfo`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::TokioResolver;

use crate::policy::normalize_host;

/// A name that could not be turned into addresses.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The lookup failed or timed out.
    #[error("cannot resolve {host}: {message}")]
    Lookup {
        /// The name looked up.
        host: String,
        /// The resolver's message.
        message: String,
    },
    /// The resolver could not be built from the configuration.
    #[error("invalid DNS configuration: {0}")]
    Config(String),
}

/// Parses a `--resolve NAME=IP` argument.
pub fn parse_override(s: &str) -> Result<(String, IpAddr), String> {
    let (name, ip) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=IP"))?;
    let ip: IpAddr = ip
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| format!("`{s}`: `{ip}` is not an IP address"))?;
    if name.is_empty() {
        return Err(format!("`{s}`: empty name"));
    }
    Ok((normalize_host(name), ip))
}

enum Backend {
    System,
    Dns(Box<TokioResolver>),
}

/// The gateway's resolver.
pub struct Resolver {
    overrides: HashMap<String, Vec<IpAddr>>,
    backend: Backend,
    timeout: Duration,
}

impl Resolver {
    /// Builds a resolver. `dns_server` (`IP` or `IP:PORT`) replaces the system resolver.
    pub fn new(
        overrides: &[(String, IpAddr)],
        dns_server: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<Resolver, ResolveError> {
        let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, ip) in overrides {
            map.entry(normalize_host(name)).or_default().push(*ip);
        }
        let backend = match dns_server {
            None => Backend::System,
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                let config = ResolverConfig::from_name_servers(vec![ns]);
                let r = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
                    .build()
                    .map_err(|e| ResolveError::Config(e.to_string()))?;
                Backend::Dns(Box::new(r))
            }
        };
        Ok(Resolver {
            overrides: map,
            backend,
            timeout,
        })
    }

    /// Resolves a normalised host name to its addresses, overrides first.
    pub async fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        if let Some(ips) = self.overrides.get(host) {
            return Ok(ips.clone());
        }
        let fail = |message: String| ResolveError::Lookup {
            host: host.to_string(),
            message,
        };
        let lookup = async {
            match &self.backend {
                Backend::System => tokio::net::lookup_host((host, 0))
                    .await
                    .map(|it| it.map(|sa| sa.ip()).collect::<Vec<_>>())
                    .map_err(|e| fail(e.to_string())),
                // A trailing dot makes the name absolute, so no search domain is tried.
                Backend::Dns(r) => r
                    .lookup_ip(format!("{host}."))
                    .await
                    .map(|l| l.iter().collect::<Vec<_>>())
                    .map_err(|e| fail(e.to_string())),
            }
        };
        let ips = tokio::time::timeout(self.timeout, lookup)
            .await
            .map_err(|_| fail(format!("timed out after {:?}", self.timeout)))??;
        if ips.is_empty() {
            return Err(fail("no addresses".to_string()));
        }
        Ok(ips)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides() {
        assert_eq!(
            parse_override("A.Test=127.0.0.1").unwrap(),
            ("a.test".to_string(), "127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            parse_override("v6.test=[::1]").unwrap().1,
            "::1".parse::<IpAddr>().unwrap()
        );
        assert!(parse_override("a.test").is_err());
        assert!(parse_override("a.test=nope").is_err());
        assert!(parse_override("=1.2.3.4").is_err());
    }

    #[tokio::test]
    async fn overrides_win_and_keep_every_address() {
        let r = Resolver::new(
            &[
                ("a.test".into(), "127.0.0.1".parse().unwrap()),
                ("a.test".into(), "127.0.0.2".parse().unwrap()),
            ],
            None,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(r.resolve("a.test").await.unwrap().len(), 2);
    }
}
