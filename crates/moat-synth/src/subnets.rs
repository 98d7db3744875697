//! Carving the VPC CIDR into subnets.
//!
//! The VPC CIDR is cut into 16 equal blocks (prefix + 4: a /16 gives /20s, 4,096 addresses
//! each; a /24 gives /28s, the smallest subnet AWS allows). Task subnets take blocks `0..az_count`
//! (one per AZ, at most 6 since no region has more usable AZs for this). Blocks
//! [`EGRESS_BLOCK_BASE`]`..+az_count` are reserved for the egress gateway's subnets
//! (`[egress]` in the spec); the rest stay free so a subnet can be added without renumbering.
//! Source for the /28 minimum and the 5 reserved addresses per subnet:
//! <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>.

use ipnet::Ipv4Net;
use serde::Serialize;

/// First block index reserved for egress gateway subnets.
pub const EGRESS_BLOCK_BASE: usize = 8;
/// Most AZs moat spreads over.
pub const MAX_AZS: u8 = 6;

/// What a subnet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubnetRole {
    /// Isolated subnets holding tasks, interface endpoint ENIs and the internal NLB.
    Task,
    /// The egress gateway's own subnets (`[egress]`): the only ones with a route out.
    Egress,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedSubnet {
    pub logical_id: String,
    pub role: SubnetRole,
    /// Index into `Fn::GetAZs ""` (the template picks the AZ with `Fn::Select`).
    pub az_index: usize,
    pub cidr: String,
    /// Block index within the VPC CIDR (documents the carving).
    pub block: usize,
}

/// Why the CIDR cannot be carved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarveError {
    #[error("vpc_cidr {0} is too small: moat cuts it into 16 blocks and AWS subnets are at least /28, so use /24 or larger")]
    TooSmall(Ipv4Net),
    #[error("az_count {0} is out of range: use 1 to {MAX_AZS}")]
    AzCount(u8),
}

/// The task subnets for `az_count` AZs, and the blocks reserved for egress subnets.
pub fn carve(vpc: Ipv4Net, az_count: u8) -> Result<(Vec<PlannedSubnet>, Vec<String>), CarveError> {
    if az_count == 0 || az_count > MAX_AZS {
        return Err(CarveError::AzCount(az_count));
    }
    let prefix = vpc.prefix_len() + 4;
    if prefix > 28 {
        return Err(CarveError::TooSmall(vpc));
    }
    let blocks: Vec<Ipv4Net> = vpc
        .trunc()
        .subnets(prefix)
        .map_err(|_| CarveError::TooSmall(vpc))?
        .collect();
    let n = usize::from(az_count);
    let tasks = blocks
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, b)| PlannedSubnet {
            logical_id: format!("TaskSubnet{}", i + 1),
            role: SubnetRole::Task,
            az_index: i,
            cidr: b.to_string(),
            block: i,
        })
        .collect();
    let reserved = blocks
        .iter()
        .skip(EGRESS_BLOCK_BASE)
        .take(n)
        .map(|b| b.to_string())
        .collect();
    Ok((tasks, reserved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash16_gives_slash20s_and_reserves_egress_blocks() {
        let (t, r) = carve("10.0.0.0/16".parse().unwrap(), 3).unwrap();
        let cidrs: Vec<_> = t.iter().map(|s| s.cidr.as_str()).collect();
        assert_eq!(cidrs, ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]);
        assert_eq!(r, ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]);
        assert_eq!(t[2].logical_id, "TaskSubnet3");
    }

    #[test]
    fn small_and_odd_inputs() {
        let (t, _) = carve("192.168.1.0/24".parse().unwrap(), 2).unwrap();
        assert_eq!(t[1].cidr, "192.168.1.16/28");
        assert_eq!(
            carve("10.0.0.0/25".parse().unwrap(), 2).unwrap_err(),
            CarveError::TooSmall("10.0.0.0/25".parse().unwrap())
        );
        assert_eq!(
            carve("10.0.0.0/16".parse().unwrap(), 0).unwrap_err(),
            CarveError::AzCount(0)
        );
        assert_eq!(
            carve("10.0.0.0/16".parse().unwrap(), 7).unwrap_err(),
            CarveError::AzCount(7)
        );
        // Host bits set in the spec are ignored, not an error.
        let (t, _) = carve("10.1.2.3/16".parse().unwrap(), 1).unwrap();
        assert_eq!(t[0].cidr, "10.1.0.0/20");
    }
}
