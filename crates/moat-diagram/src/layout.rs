//! Hints that keep the picture narrow enough to read: each availability zone is one column with
//! its subnets stacked top to bottom, and nothing of the VPC sits between two columns.
//!
//! Graphviz (top-down) puts shapes of the same rank side by side, and a box (cluster) covers
//! every rank its shapes use. Two things made columns wide: the subnets of one zone side by side
//! (the egress gateway's subnet beside the task subnet, because the gateway's edge to the
//! endpoint ENIs pulled it to the ENIs' rank), and the egress gateway's load balancer ranked
//! between the tasks and the gateway, so it had to sit between two zone columns. So:
//!
//! * invisible edges stack the subnets of a zone in model order, and the services of a subnet;
//! * an edge from a shape in a lower subnet of the zone to a higher one (the gateway → its
//!   zone's ENIs) does not constrain ranks;
//! * an edge *to* a load balancer (a task → the egress gateway's NLB, `HTTPS_PROXY`) is written
//!   reversed with `dir=back`: the arrow still points at the load balancer, which now ranks
//!   above the tasks, beside the ingress NLB, instead of between the columns;
//! * the internet gateway and the named outside hosts rank below the VPC, not beside it.

use crate::group::Groups;
use crate::scene::{Edge, Kind, Scene};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Where a shape sits: (VPC box, AZ column, subnet index in the column).
type Cell = (usize, usize, usize);

pub(crate) struct Columns {
    cell: BTreeMap<usize, Cell>,
    /// Invisible stacking edges, as DOT node names.
    stack: Vec<(String, String)>,
}

/// How one edge takes part in the layout.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flow {
    /// Write head first with `dir=back`.
    pub reversed: bool,
    /// `constraint=false`.
    pub free: bool,
    /// `minlen=2`: a route to an internet gateway, so the gateway ranks below the gateway
    /// endpoints, under the VPC box rather than beside it.
    pub long: bool,
    /// Leave the label out: the same label is on a neighbouring edge (set by the emitter).
    pub quiet: bool,
}

impl Flow {
    pub(crate) fn attrs(&self) -> String {
        let mut a = String::new();
        if self.reversed {
            a.push_str(", dir=back");
        }
        if self.free {
            a.push_str(", constraint=false");
        }
        if self.long {
            a.push_str(", minlen=2");
        }
        a
    }
}

impl Columns {
    pub(crate) fn build(scene: &Scene, groups: &Groups) -> Columns {
        let mut cell = BTreeMap::new();
        let mut stack = Vec::new();
        for (vi, v) in scene.vpcs.iter().enumerate() {
            for (ai, a) in v.azs.iter().enumerate() {
                let mut above: Option<String> = None;
                for (si, s) in a.subnets.iter().enumerate() {
                    for &n in &s.nodes {
                        cell.insert(n, (vi, ai, si));
                    }
                    // Services of one subnet one under the other: a task box is wide (its
                    // containers and images), so side by side they widened every column.
                    let tasks: Vec<usize> = s
                        .nodes
                        .iter()
                        .copied()
                        .filter(|&n| {
                            matches!(scene.nodes[n].kind, Kind::Task | Kind::EgressGateway)
                        })
                        .collect();
                    for w in tasks.windows(2) {
                        stack.push((format!("n{}", w[0]), format!("n{}", w[1])));
                    }
                    let (Some(&first), Some(&last)) = (s.nodes.first(), s.nodes.last()) else {
                        continue;
                    };
                    if let Some(prev) = above.take() {
                        stack.push((prev, groups.node_name(first)));
                    }
                    above = Some(groups.node_name(last));
                }
            }
        }
        // The named outside hosts under the internet gateway (the way the gateway's traffic
        // leaves), so they sit below the region box instead of widening it.
        let of = |k: Kind| (0..scene.nodes.len()).filter(move |&n| scene.nodes[n].kind == k);
        for igw in of(Kind::InternetGateway) {
            for out in of(Kind::OutsideHosts) {
                stack.push((format!("n{igw}"), format!("n{out}")));
            }
        }
        Columns { cell, stack }
    }

    /// The invisible edges that stack each zone's subnets.
    pub(crate) fn stack(&self, o: &mut String) {
        for (a, b) in &self.stack {
            let _ = writeln!(o, "  {a} -> {b} [style=invis];");
        }
    }

    pub(crate) fn flow(&self, scene: &Scene, e: &Edge) -> Flow {
        let up = match (self.cell.get(&e.from), self.cell.get(&e.to)) {
            (Some(a), Some(b)) => a.0 == b.0 && a.1 == b.1 && a.2 > b.2,
            _ => false,
        };
        Flow {
            reversed: !e.association
                && scene.nodes[e.from].kind == Kind::Task
                && scene.nodes[e.to].kind == Kind::LoadBalancer,
            free: up,
            long: scene.nodes[e.from].kind == Kind::RouteTable
                && scene.nodes[e.to].kind == Kind::InternetGateway,
            quiet: false,
        }
    }
}
