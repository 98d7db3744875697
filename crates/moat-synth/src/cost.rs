//! Monthly cost of the planned endpoints, against a NAT gateway design and against a fixed
//! six-endpoint design like the AWS sample (seed 001).
//!
//! Model (prices from [`moat_catalog::prices`], which carries the page and the date):
//! - interface endpoints: `count × AZs × 730 h × hourly price` + `GB/month × per-GB price`
//!   (the traffic volume is an assumption the caller states; gateway endpoints are free);
//! - NAT design: one NAT gateway per AZ (`AZs × 730 h × hourly`) + `GB/month × per-GB`;
//! - seed 001: the six interface endpoints ecr.api, ecr.dkr, secretsmanager, ssm, ssmmessages
//!   and logs in the same AZs, with the same traffic.

use moat_catalog::prices::PRICING_SOURCES;
use moat_catalog::{prices, HOURS_PER_MONTH};
use serde::Serialize;

/// Seed 001's fixed interface endpoints (its S3 gateway endpoint is free and not counted).
pub const SIX_ENDPOINT_DESIGN: [&str; 6] = [
    "ecr.api",
    "ecr.dkr",
    "secretsmanager",
    "ssm",
    "ssmmessages",
    "logs",
];

/// One priced design.
#[derive(Debug, Clone, Serialize)]
pub struct DesignCost {
    pub name: String,
    /// Hourly units billed (interface endpoints × AZs, or NAT gateways).
    pub hourly_units: u32,
    pub hourly_usd: f64,
    pub traffic_usd: f64,
    pub monthly_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostEstimate {
    pub region: String,
    /// False when the region had no price sheet and the fallback region's prices were used.
    pub region_priced: bool,
    pub price_region: String,
    pub as_of: String,
    pub sources: Vec<String>,
    pub azs: u32,
    /// Assumed data processed per month, GB.
    pub gb_per_month: f64,
    pub interface_endpoint_hour: f64,
    pub interface_endpoint_gb: f64,
    pub nat_gateway_hour: f64,
    pub nat_gateway_gb: f64,
    pub planned: DesignCost,
    pub six_endpoint_design: DesignCost,
    pub nat: DesignCost,
    /// `seed_001 - planned` (positive: the planned set is cheaper).
    pub saving_vs_six_endpoint_design_usd: f64,
    /// `nat - planned` (negative: endpoints cost more than one NAT per AZ at this volume).
    pub saving_vs_nat_usd: f64,
}

/// Rounds to cents so JSON and text agree and float noise does not leak into output.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Cost of `interface_count` interface endpoints in `azs` AZs in `region`.
pub fn estimate(region: &str, azs: u32, interface_count: u32, gb_per_month: f64) -> CostEstimate {
    let (p, exact) = prices(region);
    let endpoints = |name: &str, n: u32| {
        let units = n * azs;
        let hourly = f64::from(units) * HOURS_PER_MONTH * p.interface_endpoint_hour;
        // No interface endpoint, no PrivateLink traffic charge.
        let traffic = if n == 0 {
            0.0
        } else {
            gb_per_month * p.interface_endpoint_gb
        };
        DesignCost {
            name: name.to_string(),
            hourly_units: units,
            hourly_usd: cents(hourly),
            traffic_usd: cents(traffic),
            monthly_usd: cents(hourly + traffic),
        }
    };
    let planned = endpoints("planned endpoints", interface_count);
    let seed = endpoints(
        "fixed six endpoints (AWS sample)",
        SIX_ENDPOINT_DESIGN.len() as u32,
    );
    let nat_hourly = f64::from(azs) * HOURS_PER_MONTH * p.nat_gateway_hour;
    let nat_traffic = gb_per_month * p.nat_gateway_gb;
    let nat = DesignCost {
        name: "NAT gateway per AZ".into(),
        hourly_units: azs,
        hourly_usd: cents(nat_hourly),
        traffic_usd: cents(nat_traffic),
        monthly_usd: cents(nat_hourly + nat_traffic),
    };
    CostEstimate {
        region: region.to_string(),
        region_priced: exact,
        price_region: p.region.to_string(),
        as_of: p.as_of.to_string(),
        sources: PRICING_SOURCES.iter().map(|s| s.to_string()).collect(),
        azs,
        gb_per_month,
        interface_endpoint_hour: p.interface_endpoint_hour,
        interface_endpoint_gb: p.interface_endpoint_gb,
        nat_gateway_hour: p.nat_gateway_hour,
        nat_gateway_gb: p.nat_gateway_gb,
        saving_vs_six_endpoint_design_usd: cents(seed.monthly_usd - planned.monthly_usd),
        saving_vs_nat_usd: cents(nat.monthly_usd - planned.monthly_usd),
        planned,
        six_endpoint_design: seed,
        nat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_endpoints_in_two_azs_us_east_1() {
        let c = estimate("us-east-1", 2, 3, 100.0);
        // 3 × 2 × 730 × 0.01 = 43.80; 100 GB × 0.01 = 1.00.
        assert_eq!(c.planned.monthly_usd, 44.80);
        // 6 × 2 × 730 × 0.01 = 87.60 + 1.00.
        assert_eq!(c.six_endpoint_design.monthly_usd, 88.60);
        assert_eq!(c.saving_vs_six_endpoint_design_usd, 43.80);
        // 2 × 730 × 0.045 = 65.70 + 100 × 0.045 = 4.50.
        assert_eq!(c.nat.monthly_usd, 70.20);
        assert_eq!(c.saving_vs_nat_usd, 25.40);
        assert!(c.region_priced);
    }

    #[test]
    fn unknown_region_is_flagged() {
        let c = estimate("xx-nowhere-1", 1, 0, 0.0);
        assert!(!c.region_priced);
        assert_eq!(c.planned.monthly_usd, 0.0);
    }
}
