//! What the DNS rules share: the names a task resolves to reach each needed service.

/// A name the task resolves for service `short` in `region` (a representative one for
/// wildcard names: `<account>.dkr.ecr…` is written with `x`).
/// Source: https://docs.aws.amazon.com/general/latest/gr/rande.html (service endpoints),
/// https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html (`api.ecr`, `dkr.ecr`).
pub(crate) fn service_dns_name(short: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    match short {
        "ecr.api" => format!("api.ecr.{region}.{suffix}"),
        "ecr.dkr" => format!("x.dkr.ecr.{region}.{suffix}"),
        s => format!("{s}.{region}.{suffix}"),
    }
}

/// Does a private zone named `zone` answer for `name` (the name or one of its parents)?
pub(crate) fn zone_covers(zone: &str, name: &str) -> bool {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    name == zone || name.ends_with(&format!(".{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_zones() {
        assert_eq!(
            service_dns_name("ecr.api", "eu-west-1"),
            "api.ecr.eu-west-1.amazonaws.com"
        );
        assert!(zone_covers(
            "ecr.eu-west-1.amazonaws.com",
            &service_dns_name("ecr.dkr", "eu-west-1")
        ));
        assert!(zone_covers(
            "amazonaws.com.",
            &service_dns_name("logs", "us-east-1")
        ));
        assert!(!zone_covers(
            "example.com",
            &service_dns_name("logs", "us-east-1")
        ));
        assert!(!zone_covers(
            "s.amazonaws.com",
            "logs.us-east-1.amazonaws.com"
        ));
    }
}
