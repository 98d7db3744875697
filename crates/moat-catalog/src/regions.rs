//! The AWS Regions: a spec naming another one is an error (a typo would otherwise surface as a
//! failed deployment). Source, the list of Regions and their codes:
//! <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>, and
//! <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html>
//! (which lists every code). Checked 2026-12; a Region launched later must be added here.

/// Every Region code: the commercial partition (`aws`), AWS GovCloud (US) (`aws-us-gov`), and
/// China (`aws-cn`).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "mx-central-1",
    "sa-east-1",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// Whether `code` is a Region.
pub fn is_region(code: &str) -> bool {
    REGIONS.contains(&code)
}
