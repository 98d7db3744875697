//! The workload part of the scene: ECS services' tasks, interface and gateway endpoints, and
//! the task -> endpoint edges.

use super::*;

impl<'m> Builder<'m> {
    pub(super) fn is_egress_gateway(&self, svc: &Service) -> bool {
        let names = [
            Some(svc.id.0.as_str()),
            svc.name.known().map(String::as_str),
        ];
        match &self.opts.egress_gateway {
            // Tagged `moat:egress-gateway`: the model says so.
            _ if svc.egress_gateway => true,
            EgressGateway::None => false,
            EgressGateway::Services(list) => {
                names.iter().flatten().any(|n| list.iter().any(|l| l == n))
            }
            EgressGateway::Guess => names.iter().flatten().any(|n| {
                let n = n.to_ascii_lowercase();
                n.contains("gate") || n.contains("egress")
            }),
        }
    }

    pub(super) fn tasks(&mut self) {
        let model = self.model;
        let zone = model.egress_subnets();
        for svc in &model.services {
            let td = svc
                .task_definition
                .known()
                .and_then(|t| model.task_definition(t));
            let gateway = self.is_egress_gateway(svc);
            let name = svc
                .name
                .known()
                .cloned()
                .unwrap_or_else(|| svc.id.0.clone());
            let mut label = vec![if gateway {
                format!("{name} (egress gateway)")
            } else {
                name
            }];
            let launch = match svc.launch_type {
                Maybe::Known(LaunchType::Fargate) => "Fargate",
                Maybe::Known(LaunchType::Ec2) => "EC2",
                Maybe::Known(LaunchType::External) => "External",
                Maybe::Unknown(_) => "launch type ?",
            };
            label.push(match svc.desired_count.known() {
                Some(n) => format!("{launch} · {n} task{}", if *n == 1 { "" } else { "s" }),
                None => launch.to_string(),
            });
            let mut tooltip = vec![format!("ECS service {}", svc.id)];
            let mut uses: Vec<String> = Vec::new();
            if let Some(c) = svc.cluster.known() {
                uses.push(c.0.clone());
            }
            uses.extend(known_ids(&svc.security_groups));
            uses.extend(known_ids(&svc.target_groups));
            match (td, &svc.task_definition) {
                (Some(td), _) => {
                    uses.push(td.id.0.clone());
                    for role in [&td.execution_role, &td.task_role].into_iter().flatten() {
                        if let Some(r) = role.known() {
                            uses.push(r.clone());
                        }
                    }
                    tooltip.push(format!("task definition {}", td.id));
                    for c in &td.containers {
                        let line = format!("{}: {}", show(&c.name), show(&c.image));
                        let short = match &c.image {
                            Maybe::Known(i) => short_image(i, model),
                            Maybe::Unknown(_) => "?".into(),
                        };
                        label.push(ellipsize(&format!("{}: {short}", show(&c.name)), 48));
                        tooltip.push(line);
                    }
                }
                (None, Maybe::Known(id)) => {
                    uses.push(id.0.clone());
                    label.push(format!("task definition {id} (not in model)"));
                }
                (None, Maybe::Unknown(_)) => label.push("task definition ?".into()),
            }
            let kind = if gateway {
                Kind::EgressGateway
            } else {
                Kind::Task
            };
            // Findings name a service by id (templates) or by name (messages, live accounts).
            let mut owns = vec![svc.id.0.clone()];
            if let Some(n) = svc.name.known().filter(|n| **n != svc.id.0) {
                owns.push(n.clone());
            }
            let subnets = known_ids(&svc.subnets);
            let placed: Vec<&String> = subnets
                .iter()
                .filter(|s| self.slots.contains_key(*s))
                .collect();
            let unknown = svc.subnets.iter().any(|s| !s.is_known()) || placed.len() < subnets.len();
            if placed.is_empty() {
                let mut label = label.clone();
                label.push("subnets ?".into());
                let node = self.scene.add(Node {
                    kind,
                    label,
                    tooltip: tooltip.join("\n"),
                    unknown: true,
                    tags: Tags {
                        owns: owns.clone(),
                        uses: uses.clone(),
                        ..Default::default()
                    },
                });
                self.place_in_vpc(&Maybe::Unknown("service subnets unknown".into()), node);
                self.tasks.push((node, None, svc));
                continue;
            }
            for s in placed {
                let mut uses = uses.clone();
                uses.push(s.clone());
                if let Some(sub) = model.subnet(&Id(s.clone())) {
                    if let Some(rt) = model.route_table_for_subnet(sub) {
                        uses.push(rt.id.0.clone());
                    }
                    if let Some(n) = model.network_acl_for_subnet(sub) {
                        uses.push(n.id.0.clone());
                    }
                }
                let mut tags = Tags {
                    owns: owns.clone(),
                    uses,
                    ..Default::default()
                };
                // The egress zone's gateway has its public IP by design (MOAT006's exception).
                if svc.assign_public_ip == Maybe::Known(true)
                    && !moat_model::Model::gateway_in_zone(svc, &zone)
                {
                    tags.problem = Some("AssignPublicIp is ENABLED".into());
                }
                let node = self.scene.add(Node {
                    kind,
                    label: label.clone(),
                    tooltip: tooltip.join("\n"),
                    unknown,
                    tags,
                });
                self.place_in_subnet(s, node);
                self.tasks.push((node, Some(s.clone()), svc));
            }
        }
    }

    pub(super) fn endpoints(&mut self) {
        let model = self.model;
        for (ei, e) in model.endpoints.iter().enumerate() {
            let short = match &e.service {
                Maybe::Known(s) => service_short_name(s).to_string(),
                Maybe::Unknown(_) => "service ?".into(),
            };
            let full = show(&e.service);
            if endpoint_is_gateway(e) {
                let mut tags = Tags::owning(&e.id.0);
                tags.uses = known_ids(&e.route_tables);
                let node = self.scene.add(Node {
                    kind: Kind::GatewayEndpoint,
                    label: vec![format!("{short} gateway endpoint"), e.id.0.clone()],
                    tooltip: format!("gateway endpoint {} for {full}", e.id),
                    unknown: e.route_tables.iter().any(|r| !r.is_known()),
                    tags,
                });
                self.place_in_vpc(&e.vpc, node);
                let mut served: BTreeSet<String> = known_ids(&e.route_tables).into_iter().collect();
                for rt in &model.route_tables {
                    if rt
                        .routes
                        .iter()
                        .any(|r| r.target == RouteTarget::VpcEndpoint(Maybe::Known(e.id.clone())))
                    {
                        served.insert(rt.id.0.clone());
                    }
                }
                for rt in served {
                    if let Some(&from) = self.route_table_nodes.get(&rt) {
                        let ed = self.scene.edge(
                            from,
                            node,
                            Some("prefix list".into()),
                            format!("{rt} routes {short} to {}", e.id),
                        );
                        self.scene.edges[ed].tags.uses.push(rt.clone());
                    }
                }
                continue;
            }
            let mut uses = known_ids(&e.security_groups);
            let mut lines = vec![short.clone()];
            if e.private_dns == Maybe::Known(false) {
                lines.push("private DNS off".into());
            }
            let tooltip = format!("interface endpoint {} for {full}", e.id);
            let mut placed_any = false;
            for s in known_ids(&e.subnets) {
                if !self.slots.contains_key(&s) {
                    continue;
                }
                let mut uses = uses.clone();
                uses.push(s.clone());
                if let Some(n) = model
                    .subnet(&Id(s.clone()))
                    .and_then(|sub| model.network_acl_for_subnet(sub))
                {
                    uses.push(n.id.0.clone());
                }
                let node = self.scene.add(Node {
                    kind: Kind::Eni,
                    label: lines.clone(),
                    tooltip: tooltip.clone(),
                    unknown: false,
                    tags: Tags {
                        owns: vec![e.id.0.clone()],
                        uses,
                        ..Default::default()
                    },
                });
                self.place_in_subnet(&s, node);
                self.enis.push((ei, Some(s), node));
                placed_any = true;
            }
            if !placed_any {
                let mut label = lines.clone();
                label.push("subnets ?".into());
                uses.sort();
                let node = self.scene.add(Node {
                    kind: Kind::Eni,
                    label,
                    tooltip,
                    unknown: true,
                    tags: Tags {
                        owns: vec![e.id.0.clone()],
                        uses,
                        ..Default::default()
                    },
                });
                self.place_in_vpc(&e.vpc, node);
                self.enis.push((ei, None, node));
            }
        }
    }

    /// Draw each task's edge to an endpoint's ENI in its own subnet, else in its AZ, else to all
    /// of them. This is a drawing simplification, not a routing claim (the endpoint's regional
    /// DNS name can resolve to any of its ENIs): it keeps the picture to a handful of edges
    /// instead of tasks × ENIs, while every edge still shows a real task → endpoint need.
    pub(super) fn task_to_endpoint_edges(&mut self) {
        let model = self.model;
        // The zone as the AZ columns group it, so a zone known only by its `Fn::GetAZs` index
        // still matches: the egress gateway in `AZ #0` reaches the ENIs in `AZ #0`, not all of
        // them (drawing it to every ENI of every zone made a 3-AZ picture 5,000 pt wide).
        let subnet_az = self.subnet_az.clone();
        let az_of = |s: &Option<String>| -> AzKey { subnet_az.get(s.as_ref()?).cloned().flatten() };
        let tasks = self.tasks.clone();
        for (task_node, task_subnet, _svc) in tasks {
            let task_az = az_of(&task_subnet);
            let mut by_endpoint: BTreeMap<usize, Vec<(usize, &Option<String>)>> = BTreeMap::new();
            for (ei, s, n) in &self.enis {
                by_endpoint.entry(*ei).or_default().push((*n, s));
            }
            let mut new_edges = Vec::new();
            for (ei, enis) in by_endpoint {
                let Some(e) = model.endpoints.get(ei) else {
                    continue;
                };
                let task_vpc = task_subnet
                    .as_ref()
                    .and_then(|s| model.subnet(&Id(s.clone())))
                    .and_then(|s| s.vpc.known());
                if let (Some(tv), Some(ev)) = (task_vpc, e.vpc.known()) {
                    if tv != ev {
                        continue;
                    }
                }
                let same_subnet: Vec<usize> = enis
                    .iter()
                    .filter(|(_, s)| task_subnet.is_some() && *s == &task_subnet)
                    .map(|x| x.0)
                    .collect();
                let same_az: Vec<usize> = enis
                    .iter()
                    .filter(|(_, s)| task_az.is_some() && az_of(s) == task_az)
                    .map(|x| x.0)
                    .collect();
                let chosen = if !same_subnet.is_empty() {
                    same_subnet
                } else if !same_az.is_empty() {
                    same_az
                } else {
                    enis.iter().map(|x| x.0).collect()
                };
                for to in chosen {
                    new_edges.push(to);
                }
            }
            // No label: with a few services and endpoints per subnet, a "443" on every edge
            // buries the picture. The port is in the tooltip and the legend; a finding on the
            // edge still labels it with its code.
            for to in new_edges {
                self.scene.edge(task_node, to, None, "TCP 443".into());
            }
        }
    }
}

/// An image reference short enough for a label; the full reference is in the tooltip. A private
/// ECR image of the model's own account and region is `repo:tag (ECR)`; of another account or
/// region, `repo:tag (ECR 210987654321 eu-west-1)`; anything else is left whole (and ellipsized
/// by the caller). The registry host is what made task boxes 400 pt wide.
///
/// ECR's private registry is `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China,
/// `dkr.ecr-fips` for FIPS):
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html>
pub(crate) fn short_image(image: &str, model: &Model) -> String {
    let Some((host, repo)) = image.split_once('/') else {
        return image.to_string();
    };
    let parts: Vec<&str> = host.split('.').collect();
    let (account, region) = match parts.as_slice() {
        [account, "dkr", "ecr" | "ecr-fips", region, "amazonaws", "com", ..] => (*account, *region),
        _ => return image.to_string(),
    };
    let own = model.account_id.known().is_some_and(|a| a == account)
        && model.region.known().is_some_and(|r| r == region);
    if own {
        format!("{repo} (ECR)")
    } else {
        format!("{repo} (ECR {account} {region})")
    }
}

fn endpoint_is_gateway(e: &VpcEndpoint) -> bool {
    match e.kind {
        Maybe::Known(k) => k == EndpointKind::Gateway,
        Maybe::Unknown(_) => !e.route_tables.is_empty() && e.subnets.is_empty(),
    }
}
