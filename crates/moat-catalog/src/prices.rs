//! Prices for the monthly cost estimate, with the date and page they were read from.
//!
//! Interface endpoints: "AWS PrivateLink pricing" (per VPC endpoint per AZ-hour, and per GB
//! processed, first PB tier). NAT gateway: "Amazon VPC pricing" (per hour, per GB processed).
//! Gateway endpoints (S3, DynamoDB) are free and have no line here.

use crate::sources as src;

/// Hours in a billing month as AWS's pricing calculator counts them.
pub const HOURS_PER_MONTH: f64 = 730.0;

#[derive(Debug, Clone, serde::Serialize)]
pub struct PriceSheet {
    pub region: &'static str,
    /// USD per interface endpoint per AZ per hour.
    pub interface_endpoint_hour: f64,
    /// USD per GB processed by interface endpoints (first tier).
    pub interface_endpoint_gb: f64,
    /// USD per NAT gateway per hour.
    pub nat_gateway_hour: f64,
    /// USD per GB processed by a NAT gateway.
    pub nat_gateway_gb: f64,
    /// When these prices were read.
    pub as_of: &'static str,
    pub source: &'static str,
}

const AS_OF: &str = "2025-01";

const fn sheet(
    region: &'static str,
    ep_hour: f64,
    ep_gb: f64,
    nat_hour: f64,
    nat_gb: f64,
) -> PriceSheet {
    PriceSheet {
        region,
        interface_endpoint_hour: ep_hour,
        interface_endpoint_gb: ep_gb,
        nat_gateway_hour: nat_hour,
        nat_gateway_gb: nat_gb,
        as_of: AS_OF,
        source: src::PRIVATELINK_PRICING,
    }
}

/// Known sheets; the first is the fallback. NAT prices are from [`src::NAT_GATEWAY_PRICING`].
static SHEETS: &[PriceSheet] = &[
    sheet("us-east-1", 0.01, 0.01, 0.045, 0.045),
    sheet("us-east-2", 0.01, 0.01, 0.045, 0.045),
    sheet("us-west-2", 0.01, 0.01, 0.045, 0.045),
    sheet("eu-west-1", 0.011, 0.01, 0.048, 0.048),
    sheet("eu-central-1", 0.012, 0.01, 0.052, 0.052),
    sheet("ap-southeast-1", 0.013, 0.01, 0.059, 0.059),
    sheet("ap-northeast-1", 0.014, 0.01, 0.062, 0.062),
];

/// Prices for `region`; the bool is false when the region has no sheet and a fallback was used
/// (say so in the output).
pub fn prices(region: &str) -> (PriceSheet, bool) {
    match SHEETS.iter().find(|s| s.region == region) {
        Some(s) => (s.clone(), true),
        None => (SHEETS[0].clone(), false),
    }
}

/// Route 53 Resolver DNS Firewall prices: per domain name in the domain lists per month, and
/// per million queries processed (first tier). The same in every commercial region.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct DnsFirewallPrices {
    pub domain_month: f64,
    pub million_queries: f64,
    pub as_of: &'static str,
    pub source: &'static str,
}

/// "Amazon Route 53 pricing", Route 53 Resolver DNS Firewall section: "$0.60 per million
/// queries (first 1 billion queries per month)", $0.40 per million beyond; domain names
/// "$0.0005 per month (prorated hourly)". Re-checked 2026-12 against a verbatim transcription of
/// that page dated 2026-09-20 (the page itself cannot be fetched from this machine). moat's
/// estimate uses the first tier: an environment under 1 billion queries a month.
pub const DNS_FIREWALL: DnsFirewallPrices = DnsFirewallPrices {
    domain_month: 0.0005,
    million_queries: 0.60,
    as_of: "2026-09",
    source: src::ROUTE53_PRICING,
};

/// Both pricing pages, for output that cites them.
pub const PRICING_SOURCES: [&str; 2] = [src::PRIVATELINK_PRICING, src::NAT_GATEWAY_PRICING];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_region_and_fallback() {
        let (s, exact) = prices("us-east-1");
        assert!(exact);
        assert_eq!(s.interface_endpoint_hour, 0.01);
        assert_eq!(s.nat_gateway_hour, 0.045);
        let (s, exact) = prices("eu-central-1");
        assert!(exact);
        assert_eq!(s.region, "eu-central-1");
        let (s, exact) = prices("xx-nowhere-9");
        assert!(!exact);
        assert_eq!(s.region, "us-east-1");
    }

    #[test]
    fn every_sheet_is_sourced_and_positive() {
        for s in SHEETS {
            assert!(
                s.interface_endpoint_hour > 0.0 && s.nat_gateway_hour > s.interface_endpoint_hour
            );
            assert!(s.source.starts_with("https://aws.amazon.com/"));
            assert!(!s.as_of.is_empty());
        }
        // An interface endpoint in 2 AZs for a month: 2 * 730 * 0.01 = 14.60 USD.
        let (s, _) = prices("us-east-1");
        assert!((2.0 * HOURS_PER_MONTH * s.interface_endpoint_hour - 14.6).abs() < 1e-9);
    }
}
