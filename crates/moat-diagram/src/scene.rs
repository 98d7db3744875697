//! From the model to a scene: the boxes (region, VPC, AZ, subnet), the shapes inside them and
//! the edges between them, before any DOT is written. Keeping this separate from the DOT text
//! lets findings be matched against plain data (see `mark.rs`).
//!
//! Every element remembers which model ids it *is* (`owns`) and which model ids it merely
//! *depends on* (`uses`: its security groups, NACL, route table, task definition, …). Findings
//! are matched on those lists.

use crate::escape::ellipsize;
use crate::{DiagramOptions, EgressGateway};
use moat_model::{
    service_short_name, EndpointKind, Id, LaunchType, LoadBalancerKind, Maybe, Model, RouteTarget,
    Service, Subnet, VpcEndpoint,
};
use std::collections::{BTreeMap, BTreeSet};

/// What a shape stands for; decides its look and how findings match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Task,
    EgressGateway,
    Eni,
    GatewayEndpoint,
    RouteTable,
    LoadBalancer,
    EndpointService,
    Consumer,
    InternetGateway,
    NatGateway,
    OutsideHosts,
    /// Keeps an empty subnet box visible (Graphviz drops empty clusters).
    Placeholder,
}

impl Kind {
    /// Kinds that name the same sort of thing, for edge matching: a finding that names one
    /// endpoint concerns that endpoint's edges, not every endpoint's.
    pub(crate) fn family(self) -> Kind {
        match self {
            Kind::EgressGateway => Kind::Task,
            Kind::GatewayEndpoint => Kind::Eni,
            k => k,
        }
    }
}

/// A finding drawn on an element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    pub code: String,
    pub message: String,
}

/// What every drawn element carries for finding matching and red drawing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tags {
    pub owns: Vec<String>,
    pub uses: Vec<String>,
    /// Something wrong that is visible in the model itself (an internet gateway, a public
    /// subnet), independent of findings.
    pub problem: Option<String>,
    pub hits: Vec<Hit>,
}

impl Tags {
    pub(crate) fn owning(id: &str) -> Tags {
        Tags {
            owns: vec![id.to_string()],
            ..Default::default()
        }
    }
    pub(crate) fn is_red(&self) -> bool {
        self.problem.is_some() || !self.hits.is_empty()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub label: Vec<String>,
    pub tooltip: String,
    /// Some part is unknown (drawn dashed).
    pub unknown: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: Option<String>,
    pub tooltip: String,
    /// Leave from the border of this cluster (`ltail`), for subnet → route table.
    pub ltail: Option<String>,
    /// A structural link (association), not traffic: drawn dashed without an arrowhead.
    pub association: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub(crate) struct SubnetBox {
    pub cluster: String,
    pub label: Vec<String>,
    pub nodes: Vec<usize>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub(crate) struct AzBox {
    pub cluster: String,
    pub label: String,
    pub subnets: Vec<SubnetBox>,
}

#[derive(Debug, Clone)]
pub(crate) struct VpcBox {
    pub cluster: String,
    pub label: Vec<String>,
    /// Shapes in the VPC but in no subnet: load balancers, route tables, gateway endpoints.
    pub nodes: Vec<usize>,
    pub azs: Vec<AzBox>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Scene {
    pub title: String,
    pub region_label: String,
    pub vpcs: Vec<VpcBox>,
    /// In the region, outside any VPC: endpoint services, internet gateways, shapes whose VPC is
    /// not known.
    pub region_nodes: Vec<usize>,
    /// Outside the region: consumer accounts, outside hosts.
    pub outside_nodes: Vec<usize>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The subnet each shape placed in a subnet sits in (node index -> subnet id).
    pub node_subnet: BTreeMap<usize, String>,
    /// Every subnet drawn.
    pub subnet_ids: BTreeSet<String>,
}

const UNKNOWN_VPC: &str = "?";

fn show<T: std::fmt::Display>(m: &Maybe<T>) -> String {
    match m {
        Maybe::Known(v) => v.to_string(),
        Maybe::Unknown(_) => "?".into(),
    }
}

fn known_ids(v: &[Maybe<Id>]) -> Vec<String> {
    v.iter()
        .filter_map(|m| m.known())
        .map(|i| i.0.clone())
        .collect()
}

impl Scene {
    fn add(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: Option<String>, tooltip: String) -> usize {
        self.edges.push(Edge {
            from,
            to,
            label,
            tooltip,
            ltail: None,
            association: false,
            tags: Tags::default(),
        });
        self.edges.len() - 1
    }
}

/// Where a subnet sits in the scene.
#[derive(Debug, Clone, Copy)]
struct Slot {
    vpc: usize,
    az: usize,
    subnet: usize,
}

struct Builder<'m> {
    model: &'m Model,
    opts: &'m DiagramOptions,
    scene: Scene,
    /// vpc key (id, or `?`) -> index in `scene.vpcs`.
    vpc_index: BTreeMap<String, usize>,
    slots: BTreeMap<String, Slot>,
    route_table_nodes: BTreeMap<String, usize>,
    /// (endpoint index in model, subnet id or "") -> ENI node.
    enis: Vec<(usize, Option<String>, usize)>,
    /// Task nodes with their subnet id (None: subnets unknown) and model service.
    tasks: Vec<(usize, Option<String>, &'m Service)>,
}

pub(crate) fn build(model: &Model, opts: &DiagramOptions) -> Scene {
    let mut b = Builder {
        model,
        opts,
        scene: Scene::default(),
        vpc_index: BTreeMap::new(),
        slots: BTreeMap::new(),
        route_table_nodes: BTreeMap::new(),
        enis: Vec::new(),
        tasks: Vec::new(),
    };
    b.scene.title = opts.title.clone().unwrap_or_else(|| "moat: network".into());
    b.scene.region_label = match &model.region {
        Maybe::Known(r) => format!("Region {r}"),
        Maybe::Unknown(_) => "Region ?".into(),
    };
    b.vpcs_and_subnets();
    b.route_tables();
    b.tasks();
    b.endpoints();
    b.task_to_endpoint_edges();
    b.load_balancers_and_services();
    b.gateways();
    b.egress_hosts();
    b.placeholders();
    b.scene
}

impl<'m> Builder<'m> {
    fn vpc_slot(&mut self, key: &str) -> usize {
        if let Some(&i) = self.vpc_index.get(key) {
            return i;
        }
        let i = self.scene.vpcs.len();
        self.scene.vpcs.push(VpcBox {
            cluster: format!("cluster_vpc{i}"),
            label: if key == UNKNOWN_VPC {
                vec!["VPC ?".into()]
            } else {
                vec![format!("VPC {key}"), "(not in this model)".into()]
            },
            nodes: Vec::new(),
            azs: Vec::new(),
            tags: Tags::default(),
        });
        self.vpc_index.insert(key.to_string(), i);
        i
    }

    fn vpc_key(&self, vpc: &Maybe<Id>) -> String {
        match vpc.known() {
            Some(id) if self.vpc_index.contains_key(&id.0) => id.0.clone(),
            // With one VPC in the model an element whose VPC reference is unresolved (an
            // imported value) is drawn in it but the VPC label says the reference is unknown.
            _ if self.model.vpcs.len() == 1 => self.model.vpcs[0].id.0.clone(),
            Some(id) => id.0.clone(),
            None => UNKNOWN_VPC.into(),
        }
    }

    fn vpcs_and_subnets(&mut self) {
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
            let az = match &s.az {
                Maybe::Known(a) => (false, a.clone()),
                Maybe::Unknown(_) => (true, "?".into()),
            };
            per_vpc_az.entry((vi, az)).or_default().push(s);
        }
        for ((vi, (unknown, az)), subnets) in per_vpc_az {
            let ai = self.scene.vpcs[vi].azs.len();
            let mut az_box = AzBox {
                cluster: format!("cluster_vpc{vi}_az{ai}"),
                label: if unknown {
                    "AZ ?".into()
                } else {
                    format!("AZ {az}")
                },
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

    fn place_in_subnet(&mut self, subnet: &str, node: usize) -> bool {
        match self.slots.get(subnet) {
            Some(sl) => {
                self.scene.vpcs[sl.vpc].azs[sl.az].subnets[sl.subnet]
                    .nodes
                    .push(node);
                self.scene.node_subnet.insert(node, subnet.to_string());
                true
            }
            None => false,
        }
    }

    fn place_in_vpc(&mut self, vpc: &Maybe<Id>, node: usize) {
        if self.model.vpcs.is_empty() && vpc.known().is_none() && self.scene.vpcs.is_empty() {
            self.scene.region_nodes.push(node);
            return;
        }
        let key = self.vpc_key(vpc);
        let vi = self.vpc_slot(&key);
        self.scene.vpcs[vi].nodes.push(node);
    }

    fn route_tables(&mut self) {
        for rt in &self.model.route_tables {
            let mut label = vec![format!("route table {}", rt.id)];
            let mut internet = false;
            for r in &rt.routes {
                if r.target == RouteTarget::Local {
                    continue;
                }
                let dest = match &r.destination {
                    Maybe::Known(moat_model::RouteDestination::Cidr(c)) => c.to_string(),
                    Maybe::Known(moat_model::RouteDestination::PrefixList(p)) => show(p),
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
            if internet {
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

    fn is_egress_gateway(&self, svc: &Service) -> bool {
        let names = [
            Some(svc.id.0.as_str()),
            svc.name.known().map(String::as_str),
        ];
        match &self.opts.egress_gateway {
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

    fn tasks(&mut self) {
        let model = self.model;
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
                        label.push(ellipsize(&line, 64));
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
                if svc.assign_public_ip == Maybe::Known(true) {
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

    fn endpoints(&mut self) {
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

    /// Each task talks to an endpoint's ENI in its own subnet, else in its AZ, else to all of
    /// them: that is where private DNS resolves to (the zonal ENI), and it keeps the picture to
    /// a handful of edges instead of tasks × ENIs.
    fn task_to_endpoint_edges(&mut self) {
        let model = self.model;
        let az_of = |s: &Option<String>| -> Option<String> {
            let s = s.as_ref()?;
            model.subnet(&Id(s.clone()))?.az.known().cloned()
        };
        let tasks = self.tasks.clone();
        for (task_node, task_subnet, _svc) in tasks {
            let task_az = az_of(&task_subnet);
            let mut by_endpoint: BTreeMap<usize, Vec<(usize, &Option<String>)>> = BTreeMap::new();
            for (ei, s, n) in &self.enis {
                by_endpoint.entry(*ei).or_default().push((*n, s));
            }
            let mut new_edges = Vec::new();
            for (ei, enis) in by_endpoint {
                let e = &model.endpoints[ei];
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
            for to in new_edges {
                self.scene
                    .edge(task_node, to, Some("443".into()), "TCP 443".into());
            }
        }
    }

    fn load_balancers_and_services(&mut self) {
        let model = self.model;
        let mut lb_nodes: BTreeMap<String, usize> = BTreeMap::new();
        for lb in &model.load_balancers {
            let kind = match lb.kind {
                Maybe::Known(LoadBalancerKind::Network) => "NLB",
                Maybe::Known(LoadBalancerKind::Application) => "ALB",
                Maybe::Known(LoadBalancerKind::Gateway) => "GWLB",
                Maybe::Unknown(_) => "load balancer",
            };
            let scheme = match lb.internal {
                Maybe::Known(true) => "internal",
                Maybe::Known(false) => "internet-facing",
                Maybe::Unknown(_) => "scheme ?",
            };
            let listeners: Vec<_> = model
                .listeners
                .iter()
                .filter(|l| l.load_balancer.known() == Some(&lb.id))
                .collect();
            let mut label = vec![format!("{kind} {}", lb.id), scheme.to_string()];
            let mut tags = Tags::owning(&lb.id.0);
            tags.uses = known_ids(&lb.security_groups);
            for l in &listeners {
                label.push(format!("listener {} {}", show(&l.protocol), show(&l.port)));
                tags.uses.push(l.id.0.clone());
                tags.uses.extend(known_ids(&l.target_groups));
            }
            if lb.internal == Maybe::Known(false) {
                tags.problem = Some("internet-facing".into());
            }
            let vpc = lb
                .subnets
                .iter()
                .filter_map(|s| s.known())
                .filter_map(|s| model.subnet(s))
                .map(|s| s.vpc.clone())
                .next()
                .unwrap_or_else(|| Maybe::Unknown("load balancer subnets unknown".into()));
            let node = self.scene.add(Node {
                kind: Kind::LoadBalancer,
                label,
                tooltip: format!("load balancer {}", lb.id),
                unknown: !lb.internal.is_known(),
                tags,
            });
            self.place_in_vpc(&vpc, node);
            lb_nodes.insert(lb.id.0.clone(), node);
            // NLB -> tasks, through listener -> target group <- service.
            let tgs: BTreeSet<&Id> = listeners
                .iter()
                .flat_map(|l| l.target_groups.iter().filter_map(|t| t.known()))
                .collect();
            for (task_node, _, svc) in self.tasks.clone() {
                let Some(tg) = svc
                    .target_groups
                    .iter()
                    .filter_map(|t| t.known())
                    .find(|t| tgs.contains(t))
                else {
                    continue;
                };
                let port = model
                    .target_group(tg)
                    .map(|t| format!("{} {}", show(&t.protocol), show(&t.port)));
                let ed = self.scene.edge(
                    node,
                    task_node,
                    port.clone(),
                    format!("{} → {} via target group {tg}", lb.id, svc.id),
                );
                self.scene.edges[ed].tags.uses.push(tg.0.clone());
            }
        }
        let mut consumers: BTreeMap<String, usize> = BTreeMap::new();
        for es in &model.endpoint_services {
            let mut label = vec![format!("endpoint service {}", es.id)];
            if es.acceptance_required == Maybe::Known(true) {
                label.push("acceptance required".into());
            }
            let node = self.scene.add(Node {
                kind: Kind::EndpointService,
                label,
                tooltip: format!("VPC endpoint service {} (PrivateLink)", es.id),
                unknown: false,
                tags: Tags::owning(&es.id.0),
            });
            self.scene.region_nodes.push(node);
            for lb in known_ids(&es.network_load_balancers) {
                if let Some(&to) = lb_nodes.get(&lb) {
                    self.scene
                        .edge(node, to, None, format!("{} fronts {lb}", es.id));
                }
            }
            for (p, prov) in &es.allowed_principals {
                let key = show(p);
                let c = match consumers.get(&key) {
                    Some(&c) => c,
                    None => {
                        let c = self.scene.add(Node {
                            kind: Kind::Consumer,
                            label: principal_label(p),
                            tooltip: format!("allowed principal {key}"),
                            unknown: !p.is_known(),
                            tags: Tags {
                                owns: vec![key.clone(), prov.resource.clone()],
                                ..Default::default()
                            },
                        });
                        self.scene.outside_nodes.push(c);
                        consumers.insert(key.clone(), c);
                        c
                    }
                };
                self.scene.edge(
                    c,
                    node,
                    Some("PrivateLink".into()),
                    format!("{key} may connect to {}", es.id),
                );
            }
        }
    }

    fn gateways(&mut self) {
        let model = self.model;
        for g in &model.internet_gateways {
            let mut tags = Tags::owning(&g.id.0);
            tags.uses = g
                .attached_vpcs
                .iter()
                .map(|(_, p)| p.resource.clone())
                .collect();
            tags.problem = Some("an isolated VPC has no internet gateway".into());
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
    fn route_edges(&mut self, to: usize, is_target: impl Fn(&RouteTarget) -> bool) {
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
                self.scene.edges[ed].tags.problem = Some("route to the internet".into());
            }
        }
    }

    fn egress_hosts(&mut self) {
        if self.opts.egress_hosts.is_empty() {
            return;
        }
        let gws: Vec<usize> = self
            .tasks
            .iter()
            .filter(|(n, _, _)| self.scene.nodes[*n].kind == Kind::EgressGateway)
            .map(|t| t.0)
            .collect();
        if gws.is_empty() {
            return;
        }
        let mut label = vec!["named outside hosts".to_string()];
        label.extend(self.opts.egress_hosts.iter().map(|h| ellipsize(h, 48)));
        let node = self.scene.add(Node {
            kind: Kind::OutsideHosts,
            label,
            tooltip: self.opts.egress_hosts.join("\n"),
            unknown: false,
            tags: Tags::default(),
        });
        self.scene.outside_nodes.push(node);
        for g in gws {
            self.scene.edge(
                g,
                node,
                Some("TLS, allow-listed".into()),
                "egress gateway → named hosts".into(),
            );
        }
    }

    /// Graphviz drops an empty cluster, and the subnet → route table edge needs a node to leave
    /// from: give every subnet a shape, and draw the association edges.
    fn placeholders(&mut self) {
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

fn endpoint_is_gateway(e: &VpcEndpoint) -> bool {
    match e.kind {
        Maybe::Known(k) => k == EndpointKind::Gateway,
        Maybe::Unknown(_) => !e.route_tables.is_empty() && e.subnets.is_empty(),
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

/// `arn:aws:iam::111122223333:root` -> `account 111122223333`; `*` -> any principal.
fn principal_label(p: &Maybe<String>) -> Vec<String> {
    let Maybe::Known(p) = p else {
        return vec!["consumer ?".into()];
    };
    if p == "*" {
        return vec!["any AWS principal".into(), "(*)".into()];
    }
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return vec!["consumer account".into(), p.clone()];
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", _, account, "root"] => {
            vec!["consumer account".into(), account.to_string()]
        }
        ["arn", _, "iam", _, account, rest] => {
            vec![format!("consumer account {account}"), ellipsize(rest, 40)]
        }
        _ => vec!["consumer".into(), ellipsize(p, 40)],
    }
}
