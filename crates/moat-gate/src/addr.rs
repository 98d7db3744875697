//! Address defences: which resolved addresses the gateway refuses to dial.
//!
//! A name on the allowlist can still resolve to the instance metadata service, a
//! private service or the gateway itself (by accident, by DNS rebinding, or because a
//! client chose an IP literal). The gateway therefore checks every address it is about
//! to dial against the special-purpose ranges below, unless `--allow-range` opens one.
//!
//! Sources: IANA IPv4/IPv6 Special-Purpose Address Registries (RFC 6890),
//! RFC 1918 (private), RFC 6598 (CGNAT 100.64/10), RFC 3927 (link-local, which holds
//! the EC2 instance metadata service 169.254.169.254, see
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>),
//! RFC 4291 (mapped), RFC 6052 / RFC 8215 (NAT64), RFC 3056 (6to4), RFC 4380 (Teredo),
//! RFC 4193 (ULA).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// The ranges the gateway may dial despite the defaults, from `--allow-range`.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy that opens the given ranges.
    pub fn new(allow: Vec<IpNet>) -> Self {
        AddressPolicy { allow }
    }

    /// True when an `--allow-range` covers `ip`.
    pub fn explicitly_allowed(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allow.iter().any(|n| n.contains(&ip))
    }

    /// `Ok(())` when `ip` may be dialled, else the name of the range that forbids it.
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        if self.explicitly_allowed(ip) {
            return Ok(());
        }
        match special_range(ip) {
            Some(class) => Err(class),
            None => Ok(()),
        }
    }
}

/// Folds an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) to the IPv4 address it names,
/// since dialling one is dialling the other.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The special-purpose range `ip` falls in, or `None` for an ordinary public address.
///
/// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are
/// refused whatever they embed: AAAA records carrying them are abnormal, and judging
/// the embedded address would depend on a translator this gateway does not control.
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (RFC 1918)"),
        ([100, 64, 0, 0], 10, "shared/CGNAT (100.64.0.0/10)"),
        ([127, 0, 0, 0], 8, "loopback"),
        (
            [169, 254, 0, 0],
            16,
            "link-local (169.254.0.0/16, instance metadata)",
        ),
        ([172, 16, 0, 0], 12, "private (RFC 1918)"),
        (
            [192, 0, 0, 0],
            24,
            "IETF protocol assignments (192.0.0.0/24)",
        ),
        ([192, 0, 2, 0], 24, "documentation (TEST-NET-1)"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"),
        ([192, 168, 0, 0], 16, "private (RFC 1918)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([198, 51, 100, 0], 24, "documentation (TEST-NET-2)"),
        ([203, 0, 113, 0], 24, "documentation (TEST-NET-3)"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([240, 0, 0, 0], 4, "reserved (240.0.0.0/4)"),
    ];
    RANGES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, class)| *class)
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::from(net)) & mask)
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    const RANGES: &[([u16; 8], u32, &str)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified (::)"),
        ([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback (::1)"),
        ([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible (::/96)"),
        (
            [0, 0, 0, 0, 0, 0xffff, 0, 0],
            96,
            "IPv4-mapped (::ffff:0:0/96)",
        ),
        (
            [0, 0, 0, 0, 0xffff, 0, 0, 0],
            96,
            "IPv4-translated (::ffff:0:0:0/96)",
        ),
        ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "NAT64 (64:ff9b::/96)"),
        (
            [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
            48,
            "local NAT64 (64:ff9b:1::/48)",
        ),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (100::/64)"),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo (2001::/32)"),
        (
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
            32,
            "documentation (2001:db8::/32)",
        ),
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (2002::/16)"),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local (fc00::/7)"),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local (fe80::/10)"),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local (fec0::/10)"),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast (ff00::/8)"),
    ];
    RANGES
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, *net, *prefix))
        .map(|(_, _, class)| *class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_every_special_range() {
        for s in [
            "127.0.0.1",
            "10.20.30.40",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "240.1.2.3",
            "::",
            "::1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::10.0.0.1",
            "fd00:ec2::254",
        ] {
            assert!(special_range(ip(s)).is_some(), "{s} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2600:1f18::1",
            "2a00:1450::1",
        ] {
            assert_eq!(special_range(ip(s)), None, "{s}");
        }
    }

    #[test]
    fn mapped_v4_is_judged_as_v4_and_allow_range_opens() {
        assert_eq!(canonical(ip("::ffff:8.8.8.8")), ip("8.8.8.8"));
        let p = AddressPolicy::new(vec!["10.20.30.0/24".parse().unwrap()]);
        assert!(p.check(ip("10.20.30.40")).is_ok());
        assert!(p.check(ip("::ffff:10.20.30.40")).is_ok());
        assert!(p.check(ip("10.20.31.1")).is_err());
        assert!(p
            .check(ip("169.254.169.254"))
            .unwrap_err()
            .contains("link-local"));
    }
}
