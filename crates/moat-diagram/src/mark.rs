//! Draw findings on the scene: which shape, box or edge a finding concerns.
//!
//! The rules, in order (documented in the crate docs and README):
//!
//! 1. **Shapes and boxes the finding names.** The finding's resource (`prov.resource`) and the
//!    resources of its *failing* hops are compared with what each shape or box *is* (its model
//!    id). Those turn red and carry the code.
//! 2. **Edges of a blocked path.** For a finding with a path, an edge turns red when both ends
//!    take part in the path (an end takes part when the finding or any hop names it, or names
//!    something it depends on — its security group, subnet, NACL, route table — and the finding
//!    names no other element of the same family), and a failing hop names something either end
//!    or the edge depends on.
//! 3. **Fallback.** A finding that matched nothing above (it names a security group, a NACL, a
//!    task definition, a role: things that are not drawn as shapes) marks the boxes that depend
//!    on it, else the shapes that depend on it.
//! 4. Anything still unmatched is listed in the legend, so no finding silently disappears.

use crate::scene::{Hit, Kind, Scene, Tags};
use moat_model::Finding;
use std::collections::BTreeSet;

/// Mark every finding; returns the findings that could not be placed, as legend lines.
pub(crate) fn mark(scene: &mut Scene, findings: &[Finding]) -> Vec<String> {
    let mut unplaced = Vec::new();
    for f in findings {
        if !mark_one(scene, f) {
            unplaced.push(format!("{} {}: {}", f.code, f.prov.resource, f.message));
        }
    }
    // Deterministic order whatever order the findings arrive in.
    for n in &mut scene.nodes {
        n.tags.hits.sort();
        n.tags.hits.dedup();
    }
    for e in &mut scene.edges {
        e.tags.hits.sort();
        e.tags.hits.dedup();
    }
    for v in &mut scene.vpcs {
        v.tags.hits.sort();
        v.tags.hits.dedup();
        for a in &mut v.azs {
            for s in &mut a.subnets {
                s.tags.hits.sort();
                s.tags.hits.dedup();
            }
        }
    }
    unplaced
}

fn hit(f: &Finding) -> Hit {
    Hit {
        code: f.code.to_string(),
        message: f.message.clone(),
    }
}

fn any_in(list: &[String], set: &BTreeSet<&str>) -> bool {
    list.iter().any(|x| set.contains(x.as_str()))
}

/// A hop's resource may list several ids (`TaskSG, SharedSG`: every group on an interface).
fn ids(resource: &str) -> impl Iterator<Item = &str> {
    resource.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Identifiers a message quotes in backticks (moat-verify names the service, subnets and
/// endpoint of a blocked path that way: "blocks service `orders` from subnet `A` to endpoint
/// `EcrDkr` …").
fn quoted(message: &str) -> impl Iterator<Item = &str> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty())
}

fn mark_one(scene: &mut Scene, f: &Finding) -> bool {
    let mut all: BTreeSet<&str> = ids(&f.prov.resource)
        .chain(f.path.iter().flat_map(|h| ids(&h.resource)))
        .collect();
    let failing: BTreeSet<&str> = if f.path.is_empty() {
        all.clone()
    } else {
        f.path
            .iter()
            .filter(|h| !h.ok)
            .flat_map(|h| ids(&h.resource))
            .chain(ids(&f.prov.resource))
            .collect()
    };
    // Quoted names narrow which edges a path concerns; they never colour anything by themselves.
    if !f.path.is_empty() {
        all.extend(quoted(&f.message).flat_map(ids));
    }
    let mut placed = false;

    // 1. Shapes and boxes the finding names.
    let direct = |tags: &mut Tags| {
        if any_in(&tags.owns, &failing) {
            tags.hits.push(hit(f));
            true
        } else {
            false
        }
    };
    for n in &mut scene.nodes {
        placed |= direct(&mut n.tags);
    }
    for v in &mut scene.vpcs {
        placed |= direct(&mut v.tags);
        for a in &mut v.azs {
            for s in &mut a.subnets {
                placed |= direct(&mut s.tags);
            }
        }
    }

    // 2. Edges of a blocked path.
    if !f.path.is_empty() {
        let named_families: BTreeSet<Kind> = scene
            .nodes
            .iter()
            .filter(|n| any_in(&n.tags.owns, &all))
            .map(|n| n.kind.family())
            .collect();
        // When the finding names subnets, a path edge must run between shapes in those subnets.
        let named_subnets: BTreeSet<&str> = all
            .iter()
            .copied()
            .filter(|s| scene.subnet_ids.contains(*s))
            .collect();
        let in_named_subnet = |i: usize| match scene.node_subnet.get(&i) {
            Some(s) if !named_subnets.is_empty() => named_subnets.contains(s.as_str()),
            _ => true,
        };
        let takes_part = |i: usize| {
            let n = &scene.nodes[i];
            let t = &n.tags;
            in_named_subnet(i)
                && (any_in(&t.owns, &all)
                    || (!named_families.contains(&n.kind.family()) && any_in(&t.uses, &all)))
        };
        for ei in 0..scene.edges.len() {
            let e = &scene.edges[ei];
            if e.association {
                continue;
            }
            let (a, b) = (&scene.nodes[e.from], &scene.nodes[e.to]);
            let blocked_here = any_in(&a.tags.owns, &failing)
                || any_in(&a.tags.uses, &failing)
                || any_in(&b.tags.owns, &failing)
                || any_in(&b.tags.uses, &failing)
                || any_in(&e.tags.uses, &failing);
            if blocked_here && takes_part(e.from) && takes_part(e.to) {
                scene.edges[ei].tags.hits.push(hit(f));
                placed = true;
            }
        }
    }
    if placed {
        return true;
    }

    // 3. Fallback: boxes, then shapes, that depend on what the finding names.
    let mut boxes = false;
    for v in &mut scene.vpcs {
        if any_in(&v.tags.uses, &failing) {
            v.tags.hits.push(hit(f));
            boxes = true;
        }
        for a in &mut v.azs {
            for s in &mut a.subnets {
                if any_in(&s.tags.uses, &failing) {
                    s.tags.hits.push(hit(f));
                    boxes = true;
                }
            }
        }
    }
    if boxes {
        return true;
    }
    for n in &mut scene.nodes {
        if any_in(&n.tags.uses, &failing) {
            n.tags.hits.push(hit(f));
            placed = true;
        }
    }
    placed
}
