//! Endpoint ENIs grouped per subnet, and the edges to them merged.
//!
//! A 3-AZ design with eight interface endpoints has 24 ENIs. Drawn one ellipse each, side by
//! side, with an edge from every task shape to each, the picture was 5,000 pt wide and the
//! report shrank it to unreadable. Here the ENIs of one subnet (that is, of one AZ in the designs
//! moat synthesizes, which have one task subnet per AZ) become one table, a row per endpoint;
//! a task's edges to every row of a table become one edge to the table. An edge that carries a
//! finding, or one to only some of the rows, still goes to its row (a Graphviz port), so a
//! blocked path stays exactly where it is.
//!
//! The scene keeps one node per ENI, so findings are matched per ENI (`mark.rs`) as before;
//! only the drawing groups them.

use crate::scene::{Kind, Scene};
use std::collections::BTreeMap;

/// One table of ENIs.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// DOT node name (`e0`).
    pub name: String,
    /// The subnet's id, for the tooltip.
    pub subnet: String,
    /// ENI node indices, in scene order.
    pub members: Vec<usize>,
}

/// Which ENI nodes are drawn as rows of which table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Groups {
    pub groups: Vec<Group>,
    of: BTreeMap<usize, usize>,
}

/// An edge as drawn: its DOT ends, and the scene edges it stands for.
#[derive(Debug, Clone)]
pub(crate) struct DrawnEdge {
    pub from: String,
    pub to: String,
    /// Scene edge indices; more than one when edges to every row of a table were merged.
    pub edges: Vec<usize>,
}

impl Groups {
    /// Every subnet box with two or more ENIs of known placement becomes a table.
    pub(crate) fn build(scene: &Scene) -> Groups {
        let mut g = Groups::default();
        for v in &scene.vpcs {
            for a in &v.azs {
                for s in &a.subnets {
                    let members: Vec<usize> = s
                        .nodes
                        .iter()
                        .copied()
                        .filter(|&n| scene.nodes[n].kind == Kind::Eni && !scene.nodes[n].unknown)
                        .collect();
                    if members.len() < 2 {
                        continue;
                    }
                    let gi = g.groups.len();
                    for &m in &members {
                        g.of.insert(m, gi);
                    }
                    let subnet = scene
                        .node_subnet
                        .get(&members[0])
                        .cloned()
                        .unwrap_or_default();
                    g.groups.push(Group {
                        name: format!("e{gi}"),
                        subnet,
                        members,
                    });
                }
            }
        }
        g
    }

    /// The group an ENI node is a row of.
    pub(crate) fn group_of(&self, node: usize) -> Option<&Group> {
        self.of.get(&node).map(|&gi| &self.groups[gi])
    }

    /// The DOT node a scene node is drawn as (`n3`, or the table `e0` holding it).
    pub(crate) fn node_name(&self, node: usize) -> String {
        match self.group_of(node) {
            Some(g) => g.name.clone(),
            None => format!("n{node}"),
        }
    }

    /// The DOT end of an edge at a scene node: `n3`, or the row `e0:n3`.
    pub(crate) fn port(&self, node: usize) -> String {
        match self.group_of(node) {
            Some(g) => format!("{}:n{node}", g.name),
            None => format!("n{node}"),
        }
    }

    /// The edges to draw: a shape's plain edges (no label, no finding, not an association) to
    /// every row of one table become one edge to the table; every other edge is drawn to its
    /// row. Order: scene order of each drawn edge's first scene edge.
    pub(crate) fn edges(&self, scene: &Scene) -> Vec<DrawnEdge> {
        // (from node, group) -> plain edges to that group's rows.
        let mut plain: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
        for (ei, e) in scene.edges.iter().enumerate() {
            let Some(&gi) = self.of.get(&e.to) else {
                continue;
            };
            if e.label.is_none() && !e.association && !e.tags.is_red() {
                plain.entry((e.from, gi)).or_default().push(ei);
            }
        }
        let mut merged: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for ((_, gi), eis) in plain {
            let mut rows: Vec<usize> = eis.iter().map(|&ei| scene.edges[ei].to).collect();
            rows.sort_unstable();
            rows.dedup();
            let mut members = self.groups[gi].members.clone();
            members.sort_unstable();
            if rows == members {
                merged.insert(eis[0], eis);
            }
        }
        let skip: std::collections::BTreeSet<usize> = merged
            .values()
            .flat_map(|eis| eis.iter().skip(1).copied())
            .collect();
        let mut out = Vec::new();
        for (ei, e) in scene.edges.iter().enumerate() {
            if skip.contains(&ei) {
                continue;
            }
            let from = if e.association {
                self.node_name(e.from)
            } else {
                self.port(e.from)
            };
            match merged.get(&ei) {
                Some(eis) => out.push(DrawnEdge {
                    from,
                    to: self.node_name(e.to),
                    edges: eis.clone(),
                }),
                None => out.push(DrawnEdge {
                    from,
                    to: self.port(e.to),
                    edges: vec![ei],
                }),
            }
        }
        out
    }
}
