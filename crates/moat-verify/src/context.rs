//! What every rule needs precomputed: each ECS service with its task definition, subnets,
//! security groups, VPC and the catalog's needs.

use crate::Options;
use moat_catalog::{task_needs, Need, Requirement, TaskNeeds, WorkloadContext};
use moat_model::Property;
use moat_model::{
    Id, LaunchType, Maybe, Model, RouteTable, SecurityGroup, Service, Subnet, TaskDefinition,
};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The model plus derived facts shared by the rules.
pub struct Context<'m> {
    pub model: &'m Model,
    pub region: String,
    pub services: Vec<ServiceView<'m>>,
    /// Catalog problems (public images, …) of task definitions no service runs.
    pub orphan_problems: Vec<moat_catalog::Problem>,
    /// The egress zone ([`Model::egress_subnets`]): subnets where an egress gateway service runs
    /// (a service tagged `moat:egress-gateway`) and no other service does. Only
    /// route tables that govern nothing but these subnets may route to an internet gateway
    /// (MOAT001, MOAT005), and only the gateway there may have a public IP (MOAT006).
    pub egress_subnets: BTreeSet<Id>,
    /// Properties the rules decided (proved, refuted, unproved), recorded through
    /// [`Context::record`]; [`crate::prove`] returns them beside the findings.
    properties: RefCell<Vec<Property>>,
}

/// One ECS service as the rules see it.
pub struct ServiceView<'m> {
    pub service: &'m Service,
    /// Display name: the service name when known, else its id.
    pub name: String,
    pub task_definition: Option<&'m TaskDefinition>,
    /// Launch type; an unknown one is judged as Fargate (the needs of EC2 capacity are a superset
    /// and are reported only when EC2 is certain).
    pub launch_type: LaunchType,
    /// Subnets found in the model.
    pub subnets: Vec<&'m Subnet>,
    /// Subnet references that are unknown or point outside the model (with the reason).
    pub unresolved_subnets: Vec<String>,
    /// Security groups found in the model.
    pub security_groups: Vec<&'m SecurityGroup>,
    pub unresolved_security_groups: Vec<String>,
    /// The VPC the tasks run in, from their subnets (or security groups).
    pub vpc: Option<Id>,
    pub needs: TaskNeeds,
}

impl<'m> Context<'m> {
    pub fn new(model: &'m Model, opts: &Options) -> Self {
        let region = model
            .region
            .known()
            .cloned()
            .unwrap_or_else(|| opts.region.clone());
        let services = model
            .services
            .iter()
            .map(|s| ServiceView::new(model, s, &region))
            .collect::<Vec<_>>();
        let orphan_problems = model
            .task_definitions
            .iter()
            .filter(|td| {
                !services
                    .iter()
                    .any(|v: &ServiceView<'_>| v.task_definition.is_some_and(|t| t.id == td.id))
            })
            .flat_map(|td| {
                task_needs(
                    td,
                    &WorkloadContext {
                        launch_type: LaunchType::Fargate,
                        execute_command: false,
                        region: region.clone(),
                    },
                )
                .problems
            })
            .collect();
        let egress_subnets = model.egress_subnets();
        Context {
            model,
            region,
            services,
            orphan_problems,
            egress_subnets,
            properties: RefCell::new(Vec::new()),
        }
    }

    /// Record a decided property. Rules call this for every property they decide, whatever the
    /// verdict, so the summary can say what was proved and what was left open.
    pub fn record(&self, property: Property) {
        self.properties.borrow_mut().push(property);
    }

    /// The properties recorded so far.
    pub fn take_properties(&self) -> Vec<Property> {
        std::mem::take(&mut self.properties.borrow_mut())
    }

    /// Whether `rt` governs egress-zone subnets only ([`Model::egress_only`]).
    pub fn egress_only(&self, rt: &RouteTable) -> bool {
        Model::egress_only(rt, &self.egress_subnets)
    }

    /// Full endpoint service name for a short one in this region.
    pub fn service_name(&self, short: &str) -> String {
        format!("com.amazonaws.{}.{}", self.region, short)
    }
}

impl<'m> ServiceView<'m> {
    fn new(model: &'m Model, service: &'m Service, region: &str) -> Self {
        let task_definition = service
            .task_definition
            .known()
            .and_then(|id| model.task_definition(id));
        let launch_type = service
            .launch_type
            .known()
            .copied()
            .unwrap_or(LaunchType::Fargate);
        let mut subnets = Vec::new();
        let mut unresolved_subnets = Vec::new();
        for s in &service.subnets {
            match s {
                Maybe::Known(id) => match model.subnet(id) {
                    Some(sub) => subnets.push(sub),
                    None => unresolved_subnets.push(format!("subnet `{id}` is not defined here")),
                },
                Maybe::Unknown(why) => unresolved_subnets.push(why.clone()),
            }
        }
        let mut security_groups = Vec::new();
        let mut unresolved_security_groups = Vec::new();
        for g in &service.security_groups {
            match g {
                Maybe::Known(id) => match model.security_group(id) {
                    Some(sg) => security_groups.push(sg),
                    None => unresolved_security_groups
                        .push(format!("security group `{id}` is not defined here")),
                },
                Maybe::Unknown(why) => unresolved_security_groups.push(why.clone()),
            }
        }
        let vpc = subnets
            .iter()
            .find_map(|s| s.vpc.known().cloned())
            .or_else(|| security_groups.iter().find_map(|g| g.vpc.known().cloned()));
        let needs = match task_definition {
            Some(td) => task_needs(
                td,
                &WorkloadContext {
                    launch_type,
                    execute_command: service.enable_execute_command.or(false),
                    region: region.to_string(),
                },
            ),
            None => TaskNeeds::default(),
        };
        let name = service
            .name
            .known()
            .cloned()
            .unwrap_or_else(|| service.id.to_string());
        ServiceView {
            service,
            name,
            task_definition,
            launch_type,
            subnets,
            unresolved_subnets,
            security_groups,
            unresolved_security_groups,
            vpc,
            needs,
        }
    }

    /// Endpoint needs, deduplicated by service name, first reason kept, in catalog order.
    pub fn endpoint_needs(&self) -> Vec<(&'static str, &Requirement)> {
        let mut out: Vec<(&'static str, &Requirement)> = Vec::new();
        for r in &self.needs.requirements {
            if let Need::Endpoint(name) = r.need {
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, r));
                }
            }
        }
        out
    }
}
