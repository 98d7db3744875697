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

fn mark_one(scene: &mut Scene, f: &Finding) -> bool {
    let all: BTreeSet<&str> = std::iter::once(f.prov.resource.as_str())
        .chain(f.path.iter().map(|h| h.resource.as_str()))
        .filter(|s| !s.is_empty())
        .collect();
    let failing: BTreeSet<&str> = if f.path.is_empty() {
        all.clone()
    } else {
        f.path
            .iter()
            .filter(|h| !h.ok)
            .map(|h| h.resource.as_str())
            .chain(std::iter::once(f.prov.resource.as_str()))
            .filter(|s| !s.is_empty())
            .collect()
    };
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
        let takes_part = |t: &Tags, kind: Kind| {
            any_in(&t.owns, &all)
                || (!named_families.contains(&kind.family()) && any_in(&t.uses, &all))
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
            if blocked_here && takes_part(&a.tags, a.kind) && takes_part(&b.tags, b.kind) {
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
