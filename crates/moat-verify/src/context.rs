//! What every rule needs precomputed: each ECS service with its task definition, subnets,
//! security groups, VPC and the catalog's needs.

use crate::iam::Decision;
use crate::Options;
use moat_catalog::{task_needs, Call, Need, Requirement, TaskNeeds, WorkloadContext};
use moat_model::{
    Id, LaunchType, Maybe, Model, Property, RouteTable, SecurityGroup, Service, Subnet,
    TaskDefinition, Unknown,
};
use std::cell::{OnceCell, Ref, RefCell};
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
    /// Every permission call of every service, decided over all its policy layers: computed
    /// once, on first use, by `rules::calls::call_checks` (eight rules read it).
    pub(crate) decided_calls: OnceCell<Vec<DecidedCall>>,
}

/// One call of one service, decided. Everything it points at is an index (into
/// [`Context::services`], that service's [`ServiceView::branch_needs`], the model's roles and
/// endpoints), so the cache holds no borrow of the context it lives in.
pub(crate) struct DecidedCall {
    pub service: usize,
    pub branch: usize,
    pub requirement: usize,
    pub call: Call,
    pub action: String,
    pub resource: String,
    /// Index into [`Model::roles`].
    pub role: Option<usize>,
    /// Index into [`Model::endpoints`].
    pub endpoint: Option<usize>,
    pub decision: Decision,
}

/// One ECS service as the rules see it.
pub struct ServiceView<'m> {
    pub service: &'m Service,
    /// Display name: the service name when known, else its id.
    pub name: String,
    pub task_definition: Option<&'m TaskDefinition>,
    /// The launch types the tasks may run on: one when known, else every one the task
    /// definition allows (`NetworkMode: bridge|host|none` rules Fargate out, which needs
    /// `awsvpc`; `RequiresCompatibilities` narrows it). Each is a branch whose needs are derived.
    pub launch_types: Vec<LaunchType>,
    /// Why there is more than one branch: the unknown launch type.
    pub launch_type_unknown: Option<Unknown>,
    /// Subnets found in the model.
    pub subnets: Vec<&'m Subnet>,
    /// Subnet references that are unknown or point outside the model.
    pub unresolved_subnets: Vec<Unknown>,
    /// Security groups found in the model.
    pub security_groups: Vec<&'m SecurityGroup>,
    pub unresolved_security_groups: Vec<Unknown>,
    /// The VPC the tasks run in, from their subnets (or security groups).
    pub vpc: Option<Id>,
    /// What the tasks need on every branch (requirements common to all launch types; problems
    /// of any). Rules that report a missing need read this, so they report only certain needs.
    pub needs: TaskNeeds,
    /// What the tasks need on each branch, for verdicts that depend on the launch type.
    pub branch_needs: Vec<(LaunchType, TaskNeeds)>,
    /// Values that decide what the tasks need and are unknown (no task definition in the model,
    /// an unknown image, secret store or log destination): every reach verdict stays open.
    pub needs_unknown: Vec<Unknown>,
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
            decided_calls: OnceCell::new(),
        }
    }

    /// Record a decided property. Rules call this for every property they decide, whatever the
    /// verdict, so the summary can say what was proved and what was left open.
    pub fn record(&self, property: Property) {
        self.properties.borrow_mut().push(property);
    }

    /// The properties recorded so far (rules that run after others read them: MOAT120).
    pub fn properties(&self) -> Ref<'_, Vec<Property>> {
        self.properties.borrow()
    }

    /// The properties recorded so far, moved out.
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
        let (launch_types, launch_type_unknown) = launch_branches(service, task_definition);
        let (subnets, unresolved_subnets) = resolve_refs(
            &service.subnets,
            |id| model.subnet(id),
            "subnet",
            &service.prov.field("subnets"),
        );
        let (security_groups, unresolved_security_groups) = resolve_refs(
            &service.security_groups,
            |id| model.security_group(id),
            "security group",
            &service.prov.field("security_groups"),
        );
        let vpc = subnets
            .iter()
            .find_map(|s| s.vpc.known().cloned())
            .or_else(|| security_groups.iter().find_map(|g| g.vpc.known().cloned()));
        let (mut security_groups, mut unresolved_security_groups) =
            (security_groups, unresolved_security_groups);
        if service.security_groups.is_empty() {
            // Tasks given no group get the VPC's default security group, whose rules a
            // template cannot show (and may have been changed since the VPC was created).
            // Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
            match model
                .security_groups
                .iter()
                .find(|g| g.default && g.vpc.known().is_some() && g.vpc.known() == vpc.as_ref())
            {
                Some(g) => security_groups.push(g),
                None => unresolved_security_groups.push(Unknown {
                    what: format!(
                        "the rules of the VPC's default security group, which the tasks of service `{}` get (no SecurityGroups given)",
                        service.id
                    ),
                    prov: service.prov.clone(),
                    settle: "set NetworkConfiguration.AwsvpcConfiguration.SecurityGroups".into(),
                }),
            }
        }
        let branch_needs: Vec<(LaunchType, TaskNeeds)> = match task_definition {
            Some(td) => launch_types
                .iter()
                .map(|&launch_type| {
                    let ctx = WorkloadContext {
                        launch_type,
                        execute_command: service.enable_execute_command.or(false),
                        region: region.to_string(),
                    };
                    (launch_type, task_needs(td, &ctx))
                })
                .collect(),
            None => Vec::new(),
        };
        let needs = common_needs(&branch_needs);
        let mut needs_unknown: Vec<Unknown> = needs
            .problems
            .iter()
            .filter(|p| p.leaves_needs_open)
            .map(|p| Unknown {
                what: p.message.clone(),
                prov: p.prov.clone(),
                settle: p.help.clone(),
            })
            .collect();
        if let Maybe::Unknown(why) = &service.enable_execute_command {
            // ECS Exec needs `ssmmessages` and task-role permissions; the needs above assume it
            // off, which an unknown value does not allow.
            needs_unknown.push(Unknown {
                what: format!("whether service `{}` enables ECS Exec ({why})", service.id),
                prov: service.prov.field("enable_execute_command"),
                settle: "give EnableExecuteCommand a value moat can resolve".into(),
            });
        }
        if task_definition.is_none() {
            let what = match &service.task_definition {
                Maybe::Known(id) => format!("task definition `{id}` is not defined in the inputs"),
                Maybe::Unknown(why) => format!("the task definition ({why})"),
            };
            needs_unknown.push(Unknown {
                what: format!("{what}: what service tasks need cannot be derived"),
                prov: service.prov.field("task_definition"),
                settle:
                    "check the template that defines the task definition together with this one"
                        .into(),
            });
        }
        let name = service
            .name
            .known()
            .cloned()
            .unwrap_or_else(|| service.id.to_string());
        ServiceView {
            service,
            name,
            task_definition,
            launch_types,
            launch_type_unknown,
            subnets,
            unresolved_subnets,
            security_groups,
            unresolved_security_groups,
            vpc,
            needs,
            branch_needs,
            needs_unknown,
        }
    }

    /// The launch types that need `need` (all of [`ServiceView::launch_types`] when it is
    /// certain).
    pub fn branches_needing(&self, need: &Need) -> Vec<LaunchType> {
        self.branch_needs
            .iter()
            .filter(|(_, n)| n.requirements.iter().any(|r| &r.need == need))
            .map(|(l, _)| *l)
            .collect()
    }

    /// Endpoint needs, deduplicated by service name, first reason kept, in catalog order.
    pub fn endpoint_needs(&self) -> Vec<(&'static str, &Requirement)> {
        endpoint_needs_of(&self.needs)
    }

    /// Endpoint needs of any branch (including those only some launch types have).
    pub fn endpoint_needs_any_branch(&self) -> Vec<(&'static str, &Requirement)> {
        let mut out: Vec<(&'static str, &Requirement)> = Vec::new();
        for (_, n) in &self.branch_needs {
            for (name, r) in endpoint_needs_of(n) {
                if !out.iter().any(|(o, _)| *o == name) {
                    out.push((name, r));
                }
            }
        }
        out
    }
}

/// Endpoint needs of `needs`, deduplicated by service name, first reason kept.
fn endpoint_needs_of(needs: &TaskNeeds) -> Vec<(&'static str, &Requirement)> {
    let mut out: Vec<(&'static str, &Requirement)> = Vec::new();
    for r in &needs.requirements {
        if let Need::Endpoint(name) = r.need {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, r));
            }
        }
    }
    out
}

/// The requirements every branch has (first branch's reasons), and the problems of any.
fn common_needs(branches: &[(LaunchType, TaskNeeds)]) -> TaskNeeds {
    let Some(((_, first), rest)) = branches.split_first() else {
        return TaskNeeds::default();
    };
    let mut out = TaskNeeds {
        requirements: first
            .requirements
            .iter()
            .filter(|r| {
                rest.iter()
                    .all(|(_, n)| n.requirements.iter().any(|o| o.need == r.need))
            })
            .cloned()
            .collect(),
        problems: first.problems.clone(),
    };
    for (_, n) in rest {
        for p in &n.problems {
            if !out.problems.contains(p) {
                out.problems.push(p.clone());
            }
        }
    }
    out
}

/// The launch types a service may run on, and the unknown that leaves more than one open.
/// Fargate requires the `awsvpc` network mode:
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-networkmode
fn launch_branches(
    service: &Service,
    td: Option<&TaskDefinition>,
) -> (Vec<LaunchType>, Option<Unknown>) {
    let why = match &service.launch_type {
        Maybe::Known(l) => return (vec![*l], None),
        Maybe::Unknown(why) => why,
    };
    let mut possible = vec![LaunchType::Fargate, LaunchType::Ec2];
    if let Some(td) = td {
        let mode = td.network_mode.known().map(|m| m.to_ascii_lowercase());
        if matches!(mode.as_deref(), Some("bridge" | "host" | "none")) {
            possible.retain(|l| *l != LaunchType::Fargate);
        }
        let compat: Option<Vec<&String>> = td
            .requires_compatibilities
            .iter()
            .map(|c| c.known())
            .collect();
        if let Some(compat) = compat.filter(|c| !c.is_empty()) {
            let allows = |l: LaunchType| {
                let word = match l {
                    LaunchType::Fargate => "FARGATE",
                    LaunchType::Ec2 => "EC2",
                    LaunchType::External => "EXTERNAL",
                };
                compat.iter().any(|c| c.eq_ignore_ascii_case(word))
            };
            // External instances (ECS Anywhere) only when the task definition says so; a
            // compatibility list that contradicts the network mode narrows nothing.
            let mut narrowed = possible.clone();
            narrowed.push(LaunchType::External);
            narrowed.retain(|l| allows(*l));
            if !narrowed.is_empty() {
                possible = narrowed;
            }
        }
    }
    let unknown = (possible.len() > 1).then(|| Unknown {
        what: format!("the launch type of service `{}` ({why})", service.id),
        prov: service.prov.field("launch_type"),
        settle: "set the service's LaunchType (or a CapacityProviderStrategy), or the task definition's RequiresCompatibilities".into(),
    });
    (possible, unknown)
}

/// Split references into elements found in the model and unknowns (unresolved values, ids not
/// defined in the inputs), each pointing at `prov`.
fn resolve_refs<'m, T>(
    refs: &[Maybe<Id>],
    find: impl Fn(&Id) -> Option<&'m T>,
    kind: &str,
    prov: &moat_model::Provenance,
) -> (Vec<&'m T>, Vec<Unknown>) {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for r in refs {
        let what = match r {
            Maybe::Known(id) => match find(id) {
                Some(x) => {
                    found.push(x);
                    continue;
                }
                None => format!("{kind} `{id}`, which is not defined in the inputs"),
            },
            Maybe::Unknown(why) => format!("a {kind} ({why})"),
        };
        unknown.push(Unknown {
            what,
            prov: prov.clone(),
            settle: format!("check the template that defines the {kind} together with this one (a parent stack, or the exporting stack), or pass the value with --param"),
        });
    }
    (found, unknown)
}
