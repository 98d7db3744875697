//! IP addresses per subnet: what AWS and the planned interfaces take, what is left for tasks,
//! and whether that holds the services at their maximum count.
//!
//! Facts (each the page that states it):
//! - AWS reserves 5 addresses in every subnet (first four and last):
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>.
//! - An interface endpoint has one endpoint network interface in each subnet it is in:
//!   <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html>.
//! - A Network Load Balancer has one node with one network interface per enabled subnet:
//!   <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/availability-zones.html>.
//! - A task in awsvpc mode (every Fargate task) gets its own network interface with a private
//!   address in the service's subnets:
//!   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html>.
//! - A rolling deployment starts new tasks before stopping old ones, up to `maximumPercent`
//!   (default 200%) of the desired count:
//!   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html>.
//!
//! The service scheduler spreads a service's tasks across its subnets' AZs, so each subnet is
//! asked to hold its even share (rounded up) of the maximum count.

use crate::subnets::PlannedSubnet;
use serde::Serialize;

/// Addresses AWS keeps in every subnet.
pub const AWS_RESERVED_PER_SUBNET: u32 = 5;

/// One subnet's addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetCapacity {
    pub logical_id: String,
    pub cidr: String,
    /// Addresses in the CIDR block.
    pub size: u32,
    pub aws_reserved: u32,
    /// One per interface endpoint.
    pub endpoint_interfaces: u32,
    /// One per Network Load Balancer in these subnets.
    pub load_balancer_interfaces: u32,
    /// What is left for task network interfaces.
    pub free: u32,
    /// This subnet's share of the tasks at their maximum count.
    pub tasks_at_max: u32,
}

/// The addresses of the task subnets (and the egress gateway's) against the task counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capacity {
    pub subnets: Vec<SubnetCapacity>,
    pub egress_subnets: Vec<SubnetCapacity>,
    /// The workload services' tasks at their maximum (autoscaling max, else desired count).
    pub max_tasks: u32,
}

impl Capacity {
    /// Free addresses of the task subnets together.
    pub fn free(&self) -> u32 {
        self.subnets.iter().map(|s| s.free).sum()
    }

    /// False when the task subnets cannot hold the maximum task count at all.
    pub fn holds_max(&self) -> bool {
        self.free() >= self.max_tasks
    }

    /// Subnets whose even share of the maximum count (or twice it, during a rolling
    /// deployment) does not fit.
    pub fn tight(&self) -> impl Iterator<Item = &SubnetCapacity> {
        self.subnets
            .iter()
            .chain(&self.egress_subnets)
            .filter(|s| s.tasks_at_max.saturating_mul(2) > s.free)
    }
}

/// What the interfaces of the plan take from each subnet.
pub struct Occupants {
    pub interface_endpoints: u32,
    pub load_balancers: u32,
    /// Workload tasks at their maximum count (in the task subnets).
    pub max_tasks: u32,
    /// Egress gateway tasks (in the egress subnets).
    pub gateway_tasks: u32,
}

fn addresses(cidr: &str) -> u32 {
    cidr.parse::<ipnet::Ipv4Net>()
        .map(|n| 1u32 << (32 - u32::from(n.prefix_len())).min(31))
        .unwrap_or(0)
}

fn share(tasks: u32, subnets: usize) -> u32 {
    let n = u32::try_from(subnets.max(1)).unwrap_or(u32::MAX);
    tasks.div_ceil(n)
}

/// The capacity of `task` and `egress` subnets holding `o`.
pub fn capacity(task: &[PlannedSubnet], egress: &[PlannedSubnet], o: &Occupants) -> Capacity {
    let row = |sn: &PlannedSubnet, endpoints: u32, nlbs: u32, tasks: u32| {
        let size = addresses(&sn.cidr);
        SubnetCapacity {
            logical_id: sn.logical_id.clone(),
            cidr: sn.cidr.clone(),
            size,
            aws_reserved: AWS_RESERVED_PER_SUBNET,
            endpoint_interfaces: endpoints,
            load_balancer_interfaces: nlbs,
            free: size.saturating_sub(AWS_RESERVED_PER_SUBNET + endpoints + nlbs),
            tasks_at_max: tasks,
        }
    };
    let per_task_subnet = share(o.max_tasks, task.len());
    let per_egress_subnet = share(o.gateway_tasks, egress.len());
    Capacity {
        subnets: task
            .iter()
            .map(|sn| row(sn, o.interface_endpoints, o.load_balancers, per_task_subnet))
            .collect(),
        egress_subnets: egress
            .iter()
            .map(|sn| row(sn, 0, 0, per_egress_subnet))
            .collect(),
        max_tasks: o.max_tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subnets::carve;

    /// The case: a /24 in 3 AZs (three /28s of 16 addresses) with 8 interface
    /// endpoints and one NLB leaves 2 addresses per subnet; 6 tasks fit, 7 do not.
    #[test]
    fn slash24_three_azs_eight_endpoints_and_an_nlb() {
        let (subnets, _) = carve("10.0.0.0/24".parse().unwrap(), 3).unwrap();
        let mut o = Occupants {
            interface_endpoints: 8,
            load_balancers: 1,
            max_tasks: 6,
            gateway_tasks: 0,
        };
        let c = capacity(&subnets, &[], &o);
        assert_eq!(c.subnets[0].size, 16);
        assert!(c.subnets.iter().all(|s| s.free == 2 && s.tasks_at_max == 2));
        assert!(c.holds_max());
        // A rolling deployment at the maximum would need 4 per subnet.
        assert_eq!(c.tight().count(), 3);
        o.max_tasks = 7;
        assert!(!capacity(&subnets, &[], &o).holds_max());
    }

    #[test]
    fn slash16_is_roomy() {
        let (subnets, _) = carve("10.0.0.0/16".parse().unwrap(), 2).unwrap();
        let o = Occupants {
            interface_endpoints: 8,
            load_balancers: 2,
            max_tasks: 100,
            gateway_tasks: 2,
        };
        let c = capacity(&subnets, &subnets, &o);
        assert_eq!(c.subnets[0].free, 4096 - 5 - 8 - 2);
        assert!(c.holds_max() && c.tight().next().is_none());
    }
}
