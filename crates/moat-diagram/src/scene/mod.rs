//! From the model to a scene: the boxes (region, VPC, AZ, subnet), the shapes inside them and
//! the edges between them, before any DOT is written. Keeping this separate from the DOT text
//! lets findings be matched against plain data (see `mark.rs`).
//!
//! Every element remembers which model ids it *is* (`owns`) and which model ids it merely
//! *depends on* (`uses`: its security groups, NACL, route table, task definition, …). Findings
//! are matched on those lists.

mod ingress;
mod network;
mod workload;

use crate::escape::ellipsize;
use crate::{DiagramOptions, EgressGateway};
use moat_model::{
    service_short_name, EndpointKind, Id, LaunchType, Listener, LoadBalancerKind, Maybe, Model,
    RouteTarget, Service, Subnet, VpcEndpoint,
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

/// A column key for "same availability zone": the zone's name, or for a zone only known as
/// `Fn::Select [i, Fn::GetAZs]` its index (two subnets with the same index are in the same zone).
/// `None` when the zone cannot be told at all: then no two subnets count as sharing it.
pub(crate) type AzKey = Option<String>;

const UNKNOWN_VPC: &str = "?";

/// "prefix list com.amazonaws.us-east-1.s3 (pl-63a5400a)": the list's name where the model
/// knows it (a declared template parameter, or the live list), else its id.
pub(crate) fn prefix_list_text(model: &Model, id: &Maybe<Id>) -> String {
    let Maybe::Known(id) = id else {
        return "prefix list ?".into();
    };
    match model.prefix_list(id).map(|l| &l.name) {
        Some(Maybe::Known(name)) => format!("prefix list {name} ({id})"),
        _ => format!("prefix list {id}"),
    }
}

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
    /// subnet id -> its availability zone key.
    subnet_az: BTreeMap<String, AzKey>,
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
        subnet_az: BTreeMap::new(),
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
    pub(super) fn vpc_slot(&mut self, key: &str) -> usize {
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

    /// Which VPC box a reference goes in: its own (a box saying "not in this model" when the
    /// VPC is referenced but not declared), or the `VPC ?` box when the reference is unresolved
    /// (an imported value). Never a guess, even when the model holds a single VPC: an imported
    /// VPC id may well be another VPC.
    pub(super) fn vpc_key(&self, vpc: &Maybe<Id>) -> String {
        match vpc.known() {
            Some(id) => id.0.clone(),
            None => UNKNOWN_VPC.into(),
        }
    }

    pub(super) fn place_in_subnet(&mut self, subnet: &str, node: usize) -> bool {
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

    /// Put a shape in its VPC box, outside any subnet. With an unresolved VPC it goes in the
    /// `VPC ?` box when there is one (subnets of an imported VPC), else in the region.
    pub(super) fn place_in_vpc(&mut self, vpc: &Maybe<Id>, node: usize) {
        let vi = match vpc.known() {
            Some(id) => self.vpc_slot(&id.0),
            None => match self.vpc_index.get(UNKNOWN_VPC) {
                Some(&vi) => vi,
                None => {
                    self.scene.region_nodes.push(node);
                    return;
                }
            },
        };
        self.scene.vpcs[vi].nodes.push(node);
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_list_text;
    use moat_model::{Id, Maybe, Model, PrefixList, Provenance};

    #[test]
    fn a_prefix_list_shows_its_name_where_the_model_knows_it() {
        let mut model = Model::default();
        model.prefix_lists.push(PrefixList {
            id: Id::from("S3PrefixListId"),
            name: Maybe::Known("com.amazonaws.eu-west-1.s3".into()),
            prov: Provenance::resource("S3PrefixListId"),
        });
        assert_eq!(
            prefix_list_text(&model, &Maybe::Known(Id::from("S3PrefixListId"))),
            "prefix list com.amazonaws.eu-west-1.s3 (S3PrefixListId)"
        );
        assert_eq!(
            prefix_list_text(&model, &Maybe::Known(Id::from("pl-0123"))),
            "prefix list pl-0123"
        );
        assert_eq!(
            prefix_list_text(&model, &Maybe::unknown("Fn::ImportValue")),
            "prefix list ?"
        );
    }
}
