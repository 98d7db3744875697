//! The network part of the scene: VPCs, AZ columns, subnets, route tables, internet and NAT
//! gateways, and the placeholders that keep empty subnets visible.

use super::*;

impl<'m> Builder<'m> {
    pub(super) fn vpcs_and_subnets(&mut self) {
        for v in &self.model.vpcs {
            let i = self.vpc_slot(&v.id.0);
            let cidrs: Vec<String> = v.cidrs.iter().map(show).collect();
            let vb = &mut self.scene.vpcs[i];
            vb.label = vec![format!("VPC {}", v.id), cidrs.join(", ")];
            vb.tags = Tags::owning(&v.id.0);
            vb.tags.uses = self
                .model
                .flow_logs
                .iter()
                .filter(|f| f.resource.known() == Some(&v.id))
                .map(|f| f.id.0.clone())
                .collect();
        }
        // AZ columns sorted by name, "AZ ?" last; subnets in model order inside each.
        let mut per_vpc_az: BTreeMap<(usize, (bool, String)), Vec<&Subnet>> = BTreeMap::new();
        for s in &self.model.subnets {
            let key = self.vpc_key(&s.vpc);
            let vi = self.vpc_slot(&key);
            // An unknown AZ that is `Fn::Select [i, Fn::GetAZs]` is still a distinct zone per
            // index: group by the index and say so, without inventing a zone name.
            let az = match &s.az {
                Maybe::Known(a) => (false, a.clone()),
                Maybe::Unknown(why) => (true, az_index_label(why).unwrap_or_else(|| "?".into())),
            };
            per_vpc_az.entry((vi, az)).or_default().push(s);
        }
        for ((vi, (unknown, az)), subnets) in per_vpc_az {
            let az_key: AzKey = (!(unknown && az == "?")).then(|| format!("{vi}/{unknown}/{az}"));
            let ai = self.scene.vpcs[vi].azs.len();
            let mut az_box = AzBox {
                cluster: format!("cluster_vpc{vi}_az{ai}"),
                label: format!("AZ {az}"),
                subnets: Vec::new(),
            };
            for s in subnets {
                let si = az_box.subnets.len();
                let mut tags = Tags::owning(&s.id.0);
                if let Some(n) = self.model.network_acl_for_subnet(s) {
                    tags.uses.push(n.id.0.clone());
                }
                if let Some(rt) = self.model.route_table_for_subnet(s) {
                    tags.uses.push(rt.id.0.clone());
                }
                let mut label = vec![format!("subnet {}", s.id), show(&s.cidr)];
                if s.map_public_ip == Maybe::Known(true) {
                    label.push("maps public IPs on launch".into());
                    tags.problem = Some("MapPublicIpOnLaunch is true".into());
                }
                az_box.subnets.push(SubnetBox {
                    cluster: format!("cluster_vpc{vi}_az{ai}_s{si}"),
                    label,
                    nodes: Vec::new(),
                    tags,
                });
                self.scene.subnet_ids.insert(s.id.0.clone());
                self.subnet_az.insert(s.id.0.clone(), az_key.clone());
                self.slots.insert(
                    s.id.0.clone(),
                    Slot {
                        vpc: vi,
                        az: ai,
                        subnet: si,
                    },
                );
            }
            self.scene.vpcs[vi].azs.push(az_box);
        }
    }

    pub(super) fn route_tables(&mut self) {
        let zone = self.model.egress_subnets();
        for rt in &self.model.route_tables {
            let mut label = vec![format!("route table {}", rt.id)];
            let mut internet = false;
            for r in &rt.routes {
                if r.target == RouteTarget::Local {
                    continue;
                }
                let dest = match &r.destination {
                    Maybe::Known(moat_model::RouteDestination::Cidr(c)) => c.to_string(),
                    Maybe::Known(moat_model::RouteDestination::PrefixList(p)) => {
                        prefix_list_text(self.model, p)
                    }
                    Maybe::Unknown(_) => "?".into(),
                };
                let (target, bad) = route_target_text(&r.target);
                internet |= bad;
                label.push(format!("{dest} → {target}"));
            }
            if rt.main {
                label.insert(1, "(main)".into());
            }
            let mut tags = Tags::owning(&rt.id.0);
            // The egress zone's route out is the gateway's (MOAT001's exception).
            if internet && !moat_model::Model::egress_only(rt, &zone) {
                tags.problem = Some("routes to the internet".into());
            }
            let n = self.scene.add(Node {
                kind: Kind::RouteTable,
                label,
                tooltip: format!("route table {}", rt.id),
                unknown: false,
                tags,
            });
            self.route_table_nodes.insert(rt.id.0.clone(), n);
            self.place_in_vpc(&rt.vpc, n);
        }
    }

    pub(super) fn gateways(&mut self) {
        let model = self.model;
        let zone = &model.egress_subnets();
        for g in &model.internet_gateways {
            let mut tags = Tags::owning(&g.id.0);
            tags.uses = g
                .attached_vpcs
                .iter()
                .map(|(_, p)| p.resource.clone())
                .collect();
            // Routed to from the egress gateway's own subnets and nowhere else: the gateway's
            // way out, drawn without the problem mark (moat check says the same).
            let routes: Vec<bool> = model
                .route_tables
                .iter()
                .flat_map(|rt| {
                    rt.routes.iter().filter_map(move |r| match &r.target {
                        moat_model::RouteTarget::InternetGateway(id)
                            if id.known().is_none_or(|i| i == &g.id) =>
                        {
                            Some(moat_model::Model::egress_only(rt, zone))
                        }
                        _ => None,
                    })
                })
                .collect();
            let zone_only = !routes.is_empty() && routes.iter().all(|z| *z);
            if !zone_only {
                tags.problem = Some("an isolated VPC has no internet gateway".into());
            }
            let node = self.scene.add(Node {
                kind: Kind::InternetGateway,
                label: vec![
                    if g.egress_only {
                        "egress-only internet gateway".into()
                    } else {
                        "internet gateway".into()
                    },
                    g.id.0.clone(),
                ],
                tooltip: format!("internet gateway {}", g.id),
                unknown: false,
                tags,
            });
            self.scene.region_nodes.push(node);
            self.route_edges(node, |t| matches!(t, RouteTarget::InternetGateway(Maybe::Known(id)) | RouteTarget::EgressOnlyInternetGateway(Maybe::Known(id)) if *id == g.id));
        }
        for n in &model.nat_gateways {
            let mut tags = Tags::owning(&n.id.0);
            tags.problem = Some("an isolated VPC has no NAT gateway".into());
            let node = self.scene.add(Node {
                kind: Kind::NatGateway,
                label: vec!["NAT gateway".into(), n.id.0.clone()],
                tooltip: format!("NAT gateway {}", n.id),
                unknown: false,
                tags,
            });
            let placed = n
                .subnet
                .known()
                .is_some_and(|s| self.place_in_subnet(&s.0.clone(), node));
            if !placed {
                self.place_in_vpc(&Maybe::Unknown("NAT subnet unknown".into()), node);
            }
            self.route_edges(
                node,
                |t| matches!(t, RouteTarget::NatGateway(Maybe::Known(id)) if *id == n.id),
            );
        }
    }

    /// Red edges from every route table with a route to `to` (an internet or NAT gateway).
    pub(super) fn route_edges(&mut self, to: usize, is_target: impl Fn(&RouteTarget) -> bool) {
        let zone = self.model.egress_subnets();
        for rt in &self.model.route_tables {
            for r in rt.routes.iter().filter(|r| is_target(&r.target)) {
                let Some(&from) = self.route_table_nodes.get(&rt.id.0) else {
                    continue;
                };
                let dest = match &r.destination {
                    Maybe::Known(moat_model::RouteDestination::Cidr(c)) => c.to_string(),
                    _ => "?".into(),
                };
                let ed = self.scene.edge(
                    from,
                    to,
                    Some(dest.clone()),
                    format!("{} sends {dest} here", rt.id),
                );
                if !moat_model::Model::egress_only(rt, &zone) {
                    self.scene.edges[ed].tags.problem = Some("route to the internet".into());
                }
            }
        }
    }

    /// Graphviz drops an empty cluster, and the subnet → route table edge needs a node to leave
    /// from: give every subnet a shape, and draw the association edges.
    pub(super) fn placeholders(&mut self) {
        let model = self.model;
        if self.scene.vpcs.is_empty() && self.scene.region_nodes.is_empty() {
            let n = self.scene.add(Node {
                kind: Kind::Placeholder,
                label: vec!["(no network elements in this model)".into()],
                tooltip: "the model has no VPC, subnet, endpoint service or gateway".into(),
                unknown: false,
                tags: Tags::default(),
            });
            self.scene.region_nodes.push(n);
        }
        for vi in 0..self.scene.vpcs.len() {
            for ai in 0..self.scene.vpcs[vi].azs.len() {
                for si in 0..self.scene.vpcs[vi].azs[ai].subnets.len() {
                    if self.scene.vpcs[vi].azs[ai].subnets[si].nodes.is_empty() {
                        let n = self.scene.add(Node {
                            kind: Kind::Placeholder,
                            label: vec!["(empty)".into()],
                            tooltip: "no task or endpoint in this subnet".into(),
                            unknown: false,
                            tags: Tags::default(),
                        });
                        self.scene.vpcs[vi].azs[ai].subnets[si].nodes.push(n);
                    }
                }
            }
        }
        for s in &model.subnets {
            let (Some(sl), Some(rt)) = (
                self.slots.get(&s.id.0).copied(),
                model.route_table_for_subnet(s),
            ) else {
                continue;
            };
            let Some(&to) = self.route_table_nodes.get(&rt.id.0) else {
                continue;
            };
            let sb = &self.scene.vpcs[sl.vpc].azs[sl.az].subnets[sl.subnet];
            let Some(&from) = sb.nodes.last() else {
                continue;
            };
            let cluster = sb.cluster.clone();
            let ed = self.scene.edge(
                from,
                to,
                None,
                format!("subnet {} uses route table {}", s.id, rt.id),
            );
            let e = &mut self.scene.edges[ed];
            e.ltail = Some(cluster);
            e.association = true;
        }
    }
}

/// Route target in words, and whether it leads to the internet.
fn route_target_text(t: &RouteTarget) -> (String, bool) {
    let m = |p: &str, id: &Maybe<Id>| format!("{p} {}", show(id));
    match t {
        RouteTarget::Local => ("local".into(), false),
        RouteTarget::InternetGateway(id) => (m("igw", id), true),
        RouteTarget::EgressOnlyInternetGateway(id) => (m("eigw", id), true),
        RouteTarget::NatGateway(id) => (m("nat", id), true),
        RouteTarget::VpnGateway(id) => (m("vgw", id), false),
        RouteTarget::TransitGateway(id) => (m("tgw", id), false),
        RouteTarget::VpcPeering(id) => (m("peering", id), false),
        RouteTarget::Instance(id) => (m("instance", id), false),
        RouteTarget::NetworkInterface(id) => (m("eni", id), false),
        RouteTarget::VpcEndpoint(id) => (m("vpce", id), false),
        RouteTarget::CarrierGateway(id) => (m("cagw", id), false),
        RouteTarget::LocalGateway(id) => (m("lgw", id), false),
        RouteTarget::CoreNetwork(a) => (format!("core network {}", show(a)), false),
        RouteTarget::UnknownGateway(_) => ("gateway ?".into(), false),
    }
}

/// `availability zone #1 of us-east-1 (Fn::GetAZs …)` -> `#1 (Fn::GetAZs)`.
fn az_index_label(why: &str) -> Option<String> {
    let rest = why.strip_prefix("availability zone #")?;
    let idx: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!idx.is_empty()).then(|| format!("#{idx} (Fn::GetAZs)"))
}

#[cfg(test)]
mod az_tests {
    #[test]
    fn getazs_index_labels() {
        assert_eq!(
            super::az_index_label(
                "availability zone #1 of us-east-1 (Fn::GetAZs; names are assigned per account)"
            )
            .as_deref(),
            Some("#1 (Fn::GetAZs)")
        );
        assert_eq!(super::az_index_label("parameter Az has no value"), None);
    }
}
