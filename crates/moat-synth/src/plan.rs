//! [`plan`]: a [`Spec`] → the environment to build, every piece with the reason it is there.

use crate::capacity::{capacity, Capacity, Occupants};
use crate::cost::{estimate, CostEstimate};
use crate::egress::PlannedEgress;
use crate::subnets::{carve, CarveError, PlannedSubnet, SubnetRole, EGRESS_BLOCK_BASE};
use crate::taskdef::convert_task_definition;
use moat_catalog::{
    classify_image, service, task_needs, ImageRef, Need, Problem, ProblemKind, Reason,
    WorkloadContext,
};
use moat_model::{EndpointKind, LaunchType, Maybe, Provenance};
use moat_spec::{ServiceSpec, Spec};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Knobs that are not part of the spec.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Data processed per month assumed by the cost estimate (GB). Default 100.
    pub gb_per_month: f64,
    /// Per service name: customer managed KMS keys encrypting its secrets (from
    /// [`moat_spec::SpecExtras`]); each adds the `kms` endpoint and `kms:Decrypt` on the key.
    pub kms_key_arns: BTreeMap<String, Vec<String>>,
    /// `[dns]`: the DNS Firewall (on by default; see [`crate::dns`]).
    pub dns: moat_spec::DnsSettings,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            gb_per_month: 100.0,
            kms_key_arns: BTreeMap::new(),
            dns: moat_spec::DnsSettings::default(),
        }
    }
}

impl PlanOptions {
    /// Default options carrying the spec's extras (`moat_spec::load_with_extras`).
    pub fn from_extras(extras: &moat_spec::SpecExtras) -> Self {
        PlanOptions {
            kms_key_arns: extras.kms_key_arns.clone(),
            dns: extras.dns.clone(),
            ..Default::default()
        }
    }
}

/// Why a spec cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// (Not a `#[source]`: the message already says it, and error chains would print it twice.)
    #[error("{path}: {problem}")]
    Network { path: PathBuf, problem: CarveError },
    #[error("{path}:{line}:{column}: cannot read the task definition: {message}")]
    TaskDefinition {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Workload(Vec<PlanProblem>),
    /// The task subnets cannot hold the services at their maximum task count.
    #[error("{path}:{line}:{column}: {message}")]
    Capacity {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
}

/// A problem with one service's workload (from the catalog, or an unknown extra endpoint).
#[derive(Debug, Clone, Serialize)]
pub struct PlanProblem {
    pub service: String,
    pub message: String,
    pub help: String,
    pub prov: Provenance,
}

impl std::fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.prov;
        if let Some(file) = &p.file {
            write!(
                f,
                "{file}:{}:{}: ",
                p.line.unwrap_or(1),
                p.column.unwrap_or(1)
            )?;
        }
        write!(
            f,
            "service `{}`: {}\n  help: {}",
            self.service, self.message, self.help
        )
    }
}

/// Why an endpoint (or permission) is in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedReason {
    pub service: String,
    #[serde(flatten)]
    pub reason: Reason,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedEndpoint {
    /// Short name (`ecr.dkr`); the service name is `com.amazonaws.<region>.<name>`.
    pub name: String,
    pub kind: EndpointKind,
    pub logical_id: String,
    /// USD per month for this endpoint in all AZs (0 for gateways), before traffic.
    pub monthly_usd: f64,
    pub reasons: Vec<PlannedReason>,
}

/// One IAM statement: `actions` allowed on `resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedAutoscaling {
    pub min: u32,
    pub max: u32,
    pub cpu_target: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedIngress {
    pub port: u16,
    pub container: String,
    pub container_port: u16,
    pub certificate_arn: Option<String>,
    /// Where TLS ends: `passthrough`, `terminate` or `reencrypt` ([`moat_spec::TlsMode`]).
    pub tls: &'static str,
    pub allowed_principals: Vec<String>,
    pub acceptance_required: bool,
}

/// What a service is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ServiceRole {
    /// A service of the spec, in the isolated task subnets.
    Workload,
    /// The egress gateway moat adds for `[egress]`, in the egress subnets.
    EgressGateway,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedService {
    pub name: String,
    pub role: ServiceRole,
    /// Logical-id stem (`isolated-service` → `IsolatedService`).
    pub logical_id: String,
    pub task_definition_path: String,
    pub desired_count: u32,
    pub capacity: LaunchType,
    pub execute_command: bool,
    pub autoscaling: Option<PlannedAutoscaling>,
    pub ingress: Option<PlannedIngress>,
    pub task_role: Vec<PolicyStatement>,
    /// What this service's own execution role grants (the agent's pulls, logs, secrets for its
    /// task definition alone): one role per service, so the gateway's never serves a workload.
    pub execution_role: Vec<PolicyStatement>,
    /// `AWS::ECS::TaskDefinition` properties converted from the task definition file.
    pub task_definition: serde_json::Map<String, serde_json::Value>,
    /// Task definition keys not carried into the template.
    pub dropped_fields: Vec<String>,
    /// The awslogs groups its containers write to.
    pub log_groups: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedLogGroup {
    pub name: String,
    pub logical_id: String,
    pub retention_days: u32,
    /// Services whose containers write to it.
    pub services: Vec<String>,
}

/// Everything [`crate::synth`] emits.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub name: String,
    pub spec_path: String,
    pub region: String,
    pub account_id: Option<String>,
    pub vpc_cidr: String,
    pub subnets: Vec<PlannedSubnet>,
    /// CIDR blocks kept free for egress gateway subnets (empty when `egress` uses them).
    pub reserved_egress_cidrs: Vec<String>,
    /// The egress gateway, when the spec has `[egress]`.
    pub egress: Option<PlannedEgress>,
    /// Gateway endpoints first, then interface endpoints, each group by name.
    pub endpoints: Vec<PlannedEndpoint>,
    /// S3 gateway endpoint policy (when the S3 gateway is planned).
    pub s3_gateway_policy: Vec<PolicyStatement>,
    /// The union of the services' execution role statements (grouped by action set); each
    /// service's own role grants only its part ([`PlannedService::execution_role`]).
    pub execution_role: Vec<PolicyStatement>,
    pub services: Vec<PlannedService>,
    pub log_groups: Vec<PlannedLogGroup>,
    pub ecr_repositories: Vec<String>,
    /// Public images the services use through private ECR copies (`mirror = true`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_copies: Vec<crate::mirror::PlannedCopy>,
    /// ECR pull-through cache rules (`[images] pull_through`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pull_through: Vec<crate::mirror::PlannedPullThrough>,
    pub flow_logs: bool,
    pub log_retention_days: u32,
    pub cost: CostEstimate,
    /// Addresses per subnet against the tasks' maximum count.
    pub capacity: Capacity,
    /// Things a reader must know (EC2 capacity not created, dropped fields, …).
    pub notes: Vec<String>,
    /// The DNS Firewall ([`crate::dns`]).
    pub dns: crate::dns::PlannedDns,
}

impl Plan {
    pub fn interface_endpoints(&self) -> impl Iterator<Item = &PlannedEndpoint> {
        self.endpoints
            .iter()
            .filter(|e| e.kind == EndpointKind::Interface)
    }
    pub fn has_s3_gateway(&self) -> bool {
        self.endpoints
            .iter()
            .any(|e| e.name == "s3" && e.kind == EndpointKind::Gateway)
    }
}

/// `isolated-service` → `IsolatedService`; `/ecs/app` → `EcsApp`.
pub fn logical_stem(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut c = part.chars();
        if let Some(f) = c.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(c.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

/// Makes `stem` unique among `used` by appending a counter.
fn unique(stem: String, used: &mut BTreeSet<String>) -> String {
    let mut id = stem.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{stem}{n}");
        n += 1;
    }
    id
}

/// [`plan_with`] with default options.
pub fn plan(spec: &Spec) -> Result<Plan, PlanError> {
    plan_with(spec, &PlanOptions::default())
}

/// Derives the environment from `spec`.
pub fn plan_with(spec: &Spec, opts: &PlanOptions) -> Result<Plan, PlanError> {
    let (subnets, mut reserved) =
        carve(spec.vpc_cidr, spec.az_count).map_err(|problem| PlanError::Network {
            path: spec.path.clone(),
            problem,
        })?;
    let mut acc = Gathered::default();
    // The egress gateway is planned as one more service, after the spec's own.
    let (gateway, egress) = plan_gateway(spec, &mut reserved, &mut acc);
    let all = spec
        .services
        .iter()
        .map(|s| (s, None, ServiceRole::Workload))
        .chain(
            gateway
                .as_ref()
                .map(|(s, j)| (s, Some(j), ServiceRole::EgressGateway)),
        );
    for (svc, generated, role) in all {
        acc.add_service(spec, opts, svc, generated, role)?;
    }
    if !acc.problems.is_empty() {
        return Err(PlanError::Workload(acc.problems));
    }

    let azs = u32::from(spec.az_count);
    let endpoints = planned_endpoints(acc.endpoints, &spec.region, azs);
    let interface_count = endpoints
        .iter()
        .filter(|e| e.kind == EndpointKind::Interface)
        .count();
    let capacity = check_capacity(
        spec,
        &subnets,
        egress.as_ref(),
        interface_count,
        &acc.services,
    )?;
    let mut notes = acc.notes;
    notes.extend(capacity_notes(&capacity));

    let mut plan = Plan {
        name: spec.name.clone(),
        spec_path: spec.path.display().to_string(),
        region: spec.region.clone(),
        account_id: spec.account_id.clone(),
        vpc_cidr: spec.vpc_cidr.trunc().to_string(),
        subnets,
        reserved_egress_cidrs: reserved,
        egress,
        endpoints,
        s3_gateway_policy: s3_gateway_policy(acc.s3_objects, acc.s3_buckets),
        execution_role: statements(acc.exec),
        services: acc.services,
        log_groups: planned_log_groups(acc.groups, spec),
        ecr_repositories: ecr_repositories(spec),
        image_copies: crate::mirror::planned_copies(&spec.mirrors),
        pull_through: crate::mirror::planned_pull_through(spec),
        flow_logs: spec.flow_logs,
        log_retention_days: spec.log_retention_days,
        cost: estimate(&spec.region, azs, interface_count as u32, opts.gb_per_month),
        capacity,
        notes,
        dns: Default::default(),
    };
    plan.dns = crate::dns::plan_dns(&plan, &opts.dns);
    plan.notes.extend(crate::dns::note(&plan.dns));
    plan.notes.extend(crate::pinning::note(&plan));
    Ok(plan)
}

/// What the services' needs add up to, gathered service by service.
#[derive(Default)]
struct Gathered {
    /// Per endpoint short name, the reasons it is needed.
    endpoints: BTreeMap<String, Vec<PlannedReason>>,
    /// S3 objects the tasks read through the gateway endpoint, and buckets they list.
    s3_objects: BTreeSet<String>,
    s3_buckets: BTreeSet<String>,
    /// Per resource, the actions of the shared execution role.
    exec: BTreeMap<String, BTreeSet<String>>,
    /// Per log group name, the services that write to it.
    groups: BTreeMap<String, BTreeSet<String>>,
    services: Vec<PlannedService>,
    used_ids: BTreeSet<String>,
    problems: Vec<PlanProblem>,
    notes: Vec<String>,
}

/// A service's role policies being gathered: per resource, the actions.
type Grants = BTreeMap<String, BTreeSet<String>>;

impl Gathered {
    /// Plan one service: its catalog needs, extra endpoints and buckets, its roles and its log
    /// groups.
    fn add_service(
        &mut self,
        spec: &Spec,
        opts: &PlanOptions,
        svc: &ServiceSpec,
        generated: Option<&serde_json::Value>,
        role: ServiceRole,
    ) -> Result<(), PlanError> {
        let mut task_role = Grants::new();
        let mut svc_exec = Grants::new();
        self.add_catalog_needs(spec, opts, svc, &mut task_role, &mut svc_exec);
        self.add_extra_endpoints(svc);
        self.add_read_buckets(spec, svc, &mut task_role);
        let json = match generated {
            Some(j) => j.clone(),
            None => read_task_definition(&svc.task_definition_path)?,
        };
        let json = crate::mirror::point_at_copies(json, &svc.name, &spec.mirrors);
        let planned = planned_service(
            svc,
            role,
            json,
            [statements(task_role), statements(svc_exec)],
            &mut self.used_ids,
            &mut self.notes,
        )?;
        for g in &planned.log_groups {
            self.groups
                .entry(g.clone())
                .or_default()
                .insert(svc.name.clone());
        }
        self.services.push(planned);
        Ok(())
    }

    fn add_reason(&mut self, svc: &ServiceSpec, name: &str, reason: Reason) {
        let r = PlannedReason {
            service: svc.name.clone(),
            reason,
        };
        let list = self.endpoints.entry(name.to_string()).or_default();
        if !list.contains(&r) {
            list.push(r);
        }
    }

    /// The catalog's needs of the task definition (and of customer managed keys): endpoints,
    /// S3 objects, execution and task role grants; its problems (fatal ones refuse the plan,
    /// the others become notes).
    fn add_catalog_needs(
        &mut self,
        spec: &Spec,
        opts: &PlanOptions,
        svc: &ServiceSpec,
        task_role: &mut Grants,
        svc_exec: &mut Grants,
    ) {
        let ctx = WorkloadContext {
            launch_type: svc.capacity,
            execute_command: svc.execute_command,
            region: spec.region.clone(),
        };
        let needs = task_needs(&svc.task_definition, &ctx);
        for p in needs.problems {
            let fatal = is_fatal(spec, svc, &p);
            let problem = PlanProblem {
                service: svc.name.clone(),
                message: p.message,
                help: p.help,
                prov: p.prov,
            };
            if fatal {
                self.problems.push(problem);
            } else {
                self.notes
                    .push(problem.to_string().replace("\n  help:", " (help:") + ")");
            }
        }
        let keys = opts
            .kms_key_arns
            .get(&svc.name)
            .into_iter()
            .flatten()
            .flat_map(|k| moat_catalog::customer_key_needs(k, &svc.prov));
        for req in needs.requirements.into_iter().chain(keys) {
            match req.need {
                Need::Endpoint(name) => self.add_reason(svc, name, req.reason),
                Need::S3Object { resource } => {
                    self.s3_objects.insert(resource);
                }
                // On EC2 capacity the agent pulls and logs with the container instance role;
                // the synthesized execution role grants the same (harmless, and used by the
                // agent when the task definition names it).
                Need::ExecutionRole { action, resource }
                | Need::InstanceRole { action, resource } => {
                    let resource = pin_account(resource, spec);
                    self.exec
                        .entry(resource.clone())
                        .or_default()
                        .insert(action.to_string());
                    svc_exec
                        .entry(resource)
                        .or_default()
                        .insert(action.to_string());
                }
                Need::TaskRole { action, resource } => {
                    task_role
                        .entry(pin_account(resource, spec))
                        .or_default()
                        .insert(action.to_string());
                }
            }
        }
    }

    /// `extra_endpoints`: each must be a service moat knows.
    fn add_extra_endpoints(&mut self, svc: &ServiceSpec) {
        for name in &svc.extra_endpoints {
            match service(name) {
                Some(info) => self.add_reason(
                    svc,
                    info.name,
                    Reason {
                        container: None,
                        field: "extra_endpoints".into(),
                        detail: format!("listed in extra_endpoints: {}", info.used_for),
                        source: info.source,
                        prov: svc.prov.clone(),
                    },
                ),
                None => self.problems.push(PlanProblem {
                    service: svc.name.clone(),
                    message: format!(
                        "extra_endpoints names `{name}`, which is not a service moat knows"
                    ),
                    help:
                        "use a short name from docs/catalog.md (`sqs`, `sns`, `dynamodb`, `kms`, …)"
                            .into(),
                    prov: svc.prov.clone(),
                }),
            }
        }
    }

    /// `s3_read_buckets`: the S3 endpoint, the objects and bucket in its policy, and
    /// `s3:GetObject` / `s3:ListBucket` for the task role.
    fn add_read_buckets(&mut self, spec: &Spec, svc: &ServiceSpec, task_role: &mut Grants) {
        let partition = moat_catalog::needs::partition_of(&spec.region);
        for bucket in &svc.s3_read_buckets {
            self.add_reason(
                svc,
                "s3",
                Reason {
                    container: None,
                    field: "s3_read_buckets".into(),
                    detail: format!("reads objects from bucket {bucket}"),
                    source:
                        "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html",
                    prov: svc.prov.clone(),
                },
            );
            let objects = format!("arn:{partition}:s3:::{bucket}/*");
            let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
            self.s3_objects.insert(objects.clone());
            self.s3_buckets.insert(bucket_arn.clone());
            task_role
                .entry(objects)
                .or_default()
                .insert("s3:GetObject".into());
            task_role
                .entry(bucket_arn)
                .or_default()
                .insert("s3:ListBucket".into());
        }
    }
}

/// The egress gateway of `[egress]`, planned in the reserved egress subnets (which it then
/// takes: `reserved` is emptied), with its generated task definition; a problem is gathered.
fn plan_gateway(
    spec: &Spec,
    reserved: &mut Vec<String>,
    acc: &mut Gathered,
) -> (
    Option<(ServiceSpec, serde_json::Value)>,
    Option<PlannedEgress>,
) {
    let Some(e) = &spec.egress else {
        return (None, None);
    };
    let subnets = reserved
        .iter()
        .enumerate()
        .map(|(i, cidr)| PlannedSubnet {
            logical_id: format!("EgressSubnet{}", i + 1),
            role: SubnetRole::Egress,
            az_index: i,
            cidr: cidr.clone(),
            block: EGRESS_BLOCK_BASE + i,
        })
        .collect();
    match crate::egress::gateway(spec, e, subnets) {
        Ok((svc, json, planned)) => {
            acc.notes.push(format!(
                "egress gateway: the cost table counts endpoints only; the gateway adds {} Fargate tasks (0.25 vCPU, 0.5 GB), an internal NLB, and internet data transfer out",
                svc.desired_count
            ));
            reserved.clear();
            (Some((svc, json)), Some(planned))
        }
        Err(p) => {
            acc.problems.push(*p);
            (None, None)
        }
    }
}

/// The endpoints with their monthly cost (interface endpoints: one per AZ): gateways first
/// (they are free and shape the route tables), then interfaces by name.
fn planned_endpoints(
    endpoints: BTreeMap<String, Vec<PlannedReason>>,
    region: &str,
    azs: u32,
) -> Vec<PlannedEndpoint> {
    let (sheet, _) = moat_catalog::prices(region);
    let mut planned: Vec<PlannedEndpoint> = endpoints
        .into_iter()
        .map(|(name, reasons)| {
            let kind = service(&name).map_or(EndpointKind::Interface, |s| s.kind);
            let monthly = match kind {
                EndpointKind::Interface => {
                    (f64::from(azs)
                        * moat_catalog::HOURS_PER_MONTH
                        * sheet.interface_endpoint_hour
                        * 100.0)
                        .round()
                        / 100.0
                }
                _ => 0.0,
            };
            let logical_id = format!("{}Endpoint", logical_stem(&name));
            PlannedEndpoint {
                name,
                kind,
                logical_id,
                monthly_usd: monthly,
                reasons,
            }
        })
        .collect();
    planned.sort_by_key(|e| (e.kind != EndpointKind::Gateway, e.name.clone()));
    planned
}

/// The S3 gateway endpoint's policy: the objects the tasks read and the buckets they list.
fn s3_gateway_policy(objects: BTreeSet<String>, buckets: BTreeSet<String>) -> Vec<PolicyStatement> {
    let mut policy = Vec::new();
    if !objects.is_empty() {
        policy.push(PolicyStatement {
            actions: vec!["s3:GetObject".into()],
            resources: objects.into_iter().collect(),
        });
    }
    if !buckets.is_empty() {
        policy.push(PolicyStatement {
            actions: vec!["s3:ListBucket".into()],
            resources: buckets.into_iter().collect(),
        });
    }
    policy
}

/// One log group per name the services write to, with the services that write there.
fn planned_log_groups(
    groups: BTreeMap<String, BTreeSet<String>>,
    spec: &Spec,
) -> Vec<PlannedLogGroup> {
    let mut used = BTreeSet::new();
    groups
        .into_iter()
        .map(|(name, svcs)| PlannedLogGroup {
            logical_id: unique(format!("{}LogGroup", logical_stem(&name)), &mut used),
            name,
            retention_days: spec.log_retention_days,
            services: svcs.into_iter().collect(),
        })
        .collect()
}

/// A note for each subnet whose free addresses a rolling deployment at the maximum count
/// would exhaust.
fn capacity_notes(capacity: &Capacity) -> Vec<String> {
    capacity
        .tight()
        .map(|s| {
            format!(
                "subnet {} ({}): {} free addresses; a rolling deployment at the maximum count starts up to {} tasks there (maximumPercent 200%): deployments will wait for room, or use a larger vpc_cidr",
                s.logical_id,
                s.cidr,
                s.free,
                s.tasks_at_max * 2
            )
        })
        .collect()
}

/// The subnets' addresses against the tasks at their maximum count; an error (at `vpc_cidr`,
/// else `az_count`) when the task subnets cannot hold them.
fn check_capacity(
    spec: &Spec,
    subnets: &[PlannedSubnet],
    egress: Option<&PlannedEgress>,
    interface_endpoints: usize,
    services: &[PlannedService],
) -> Result<Capacity, PlanError> {
    let max_of = |s: &PlannedService| s.autoscaling.as_ref().map_or(s.desired_count, |a| a.max);
    let (gateway, workloads): (Vec<&PlannedService>, Vec<&PlannedService>) = services
        .iter()
        .partition(|s| s.role == ServiceRole::EgressGateway);
    let occupants = Occupants {
        interface_endpoints: u32::try_from(interface_endpoints).unwrap_or(u32::MAX),
        // Each ingress NLB and the egress gateway's NLB live in the task subnets.
        load_balancers: u32::try_from(
            workloads.iter().filter(|s| s.ingress.is_some()).count()
                + usize::from(egress.is_some()),
        )
        .unwrap_or(u32::MAX),
        max_tasks: workloads.iter().map(|s| max_of(s)).sum(),
        gateway_tasks: gateway.iter().map(|s| max_of(s)).sum(),
    };
    let egress_subnets = egress.map_or(&[][..], |e| &e.subnets[..]);
    let c = capacity(subnets, egress_subnets, &occupants);
    if c.holds_max() {
        return Ok(c);
    }
    let at = ["vpc_cidr", "az_count"]
        .iter()
        .map(|f| spec.prov.field(f))
        .find(|p| *p != spec.prov)
        .unwrap_or_else(|| spec.prov.clone());
    let first = &c.subnets[0];
    Err(PlanError::Capacity {
        path: spec.path.clone(),
        line: at.line.unwrap_or(1),
        column: at.column.unwrap_or(1),
        message: format!(
            "the task subnets cannot hold {} tasks (the services' autoscaling.max or desired_count): each {}-address subnet keeps {} for AWS, {} for interface endpoints and {} for load balancers, leaving {} free, {} in {} subnet(s); use a larger vpc_cidr or more AZs",
            c.max_tasks,
            first.size,
            first.aws_reserved,
            first.endpoint_interfaces,
            first.load_balancer_interfaces,
            first.free,
            c.free(),
            c.subnets.len()
        ),
    })
}

/// Whether a catalog problem stops the plan. Public images, other regions and foreign
/// registries cannot work in an isolated VPC, except an outside registry the egress gateway
/// lets through (`[egress] allow`) for a service on EC2 capacity (its agent can pull through
/// the proxy; Fargate cannot), as `moat_spec` also accepts. Unknown values become notes:
/// the requirement is then planned with a wildcard (see the catalog) and the note says so.
fn is_fatal(spec: &Spec, svc: &ServiceSpec, p: &Problem) -> bool {
    match p.kind {
        ProblemKind::Unknown => false,
        ProblemKind::ForeignRegistry => {
            let image = svc
                .task_definition
                .containers
                .iter()
                .find(|k| k.name.known() == p.container.as_ref())
                .and_then(|k| k.image.known());
            match image.map(|i| classify_image(i)) {
                Some(ImageRef::OtherRegistry { registry }) => {
                    let host = registry.split(':').next().unwrap_or_default();
                    svc.capacity != LaunchType::Ec2
                        || !spec
                            .egress
                            .as_ref()
                            .is_some_and(|e| e.allow.iter().any(|a| a == host))
                }
                _ => true,
            }
        }
        _ => true,
    }
}

/// An ARN whose account field is `*` (the catalog writes `*` when the task definition names no
/// role ARN to take the account from) narrowed to the spec's `account_id`, when it has one:
/// the template deploys into that account, so `*` would only widen the grant.
fn pin_account(resource: String, spec: &Spec) -> String {
    let Some(account) = &spec.account_id else {
        return resource;
    };
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, service, region, "*", rest] => {
            format!("arn:{partition}:{service}:{region}:{account}:{rest}")
        }
        _ => resource,
    }
}

/// resource → actions, regrouped as one statement per distinct action set (resources sorted),
/// so a policy lists each permission once and never more than the tasks need.
fn statements(by_resource: BTreeMap<String, BTreeSet<String>>) -> Vec<PolicyStatement> {
    let mut by_actions: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (resource, actions) in by_resource {
        by_actions
            .entry(actions.into_iter().collect())
            .or_default()
            .push(resource);
    }
    by_actions
        .into_iter()
        .map(|(actions, resources)| PolicyStatement { actions, resources })
        .collect()
}

/// The repositories to create: the spec's, and `moat-gate` when the egress gateway uses the
/// default image.
fn ecr_repositories(spec: &Spec) -> Vec<String> {
    let mut repos = spec.ecr_repositories.clone();
    let default_image = spec.egress.as_ref().is_some_and(|e| e.image.is_none());
    let name = crate::egress::GATEWAY_REPOSITORY.to_string();
    if default_image && !repos.contains(&name) {
        repos.push(name);
    }
    repos
}

fn read_task_definition(path: &std::path::Path) -> Result<serde_json::Value, PlanError> {
    let path = &path.to_path_buf();
    let text = std::fs::read_to_string(path).map_err(|e| PlanError::TaskDefinition {
        path: path.clone(),
        line: 0,
        column: 0,
        message: e.to_string(),
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| PlanError::TaskDefinition {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    if !json.is_object() {
        return Err(PlanError::TaskDefinition {
            path: path.clone(),
            line: 1,
            column: 1,
            message: "expected a JSON object (the register-task-definition input)".into(),
        });
    }
    Ok(unwrap_describe_output(json))
}

/// `aws ecs describe-task-definition` prints `{"taskDefinition": {…}, "tags": […]}`: the task
/// definition is the inner object, and its tags are the outer `tags` (the inner object has
/// none). The `register-task-definition` shape is returned unchanged. `moat_spec` accepts both
/// shapes, so both must synthesize the same task definition.
pub(crate) fn unwrap_describe_output(json: serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(mut outer) = json else {
        return json;
    };
    match outer.remove("taskDefinition") {
        Some(serde_json::Value::Object(mut inner)) => {
            if let Some(tags) = outer.remove("tags") {
                inner.entry("tags").or_insert(tags);
            }
            serde_json::Value::Object(inner)
        }
        Some(other) => {
            outer.insert("taskDefinition".into(), other);
            serde_json::Value::Object(outer)
        }
        None => serde_json::Value::Object(outer),
    }
}

/// The CloudWatch Logs group a container's logs go to, when the template should create it:
/// the `awslogs` driver's `awslogs-group`, or a FireLens `cloudwatch` / `cloudwatch_logs`
/// output's `log_group_name` (Fluent Bit's option:
/// <https://docs.fluentbit.io/manual/pipeline/outputs/cloudwatch>, routed by FireLens:
/// <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html>). A name
/// with Fluent Bit's `$(…)` templating is a pattern, not one group, and is left to the task.
pub fn log_group_of(log: &moat_model::LogConfiguration) -> Option<String> {
    let key = match log.driver.known().map(String::as_str) {
        Some("awslogs") => "awslogs-group",
        Some("awsfirelens") => {
            let plugin = log.options.get("Name").or_else(|| log.options.get("name"));
            match plugin
                .and_then(Maybe::known)
                .map(|p| p.to_ascii_lowercase())
            {
                Some(p) if p == "cloudwatch" || p == "cloudwatch_logs" => "log_group_name",
                _ => return None,
            }
        }
        _ => return None,
    };
    match log.options.get(key) {
        Some(Maybe::Known(g)) if !g.contains("$(") => Some(g.clone()),
        _ => None,
    }
}

fn planned_service(
    svc: &ServiceSpec,
    role: ServiceRole,
    json: serde_json::Value,
    [task_role, execution_role]: [Vec<PolicyStatement>; 2],
    used: &mut BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Result<PlannedService, PlanError> {
    let path = &svc.task_definition_path;
    let converted = convert_task_definition(&json);
    if !converted.dropped.is_empty() {
        notes.push(format!(
            "service {}: not carried into AWS::ECS::TaskDefinition: {} (roles are created by the template; other keys have no CloudFormation property)",
            svc.name,
            converted.dropped.join(", ")
        ));
    }
    if svc.capacity == LaunchType::Ec2 {
        notes.push(format!(
            "service {}: EC2 capacity: the template does not create container instances; register an Auto Scaling group or capacity provider with the cluster",
            svc.name
        ));
    }
    let mut log_groups: Vec<String> = Vec::new();
    for g in svc
        .task_definition
        .containers
        .iter()
        .filter_map(|k| k.log.as_ref().and_then(log_group_of))
    {
        if !log_groups.contains(&g) {
            log_groups.push(g);
        }
    }
    Ok(PlannedService {
        name: svc.name.clone(),
        role,
        logical_id: unique(logical_stem(&svc.name), used),
        task_definition_path: path.display().to_string(),
        desired_count: svc.desired_count,
        capacity: svc.capacity,
        execute_command: svc.execute_command,
        autoscaling: svc.autoscaling.as_ref().map(|a| PlannedAutoscaling {
            min: a.min,
            max: a.max,
            cpu_target: a.cpu_target,
        }),
        ingress: svc.ingress.as_ref().map(|i| PlannedIngress {
            port: i.port,
            container: i.container.clone(),
            container_port: i.container_port,
            certificate_arn: i.certificate_arn.clone(),
            tls: i.tls.as_str(),
            allowed_principals: i.allowed_principals.clone(),
            acceptance_required: i.acceptance_required,
        }),
        task_role,
        execution_role,
        task_definition: converted.properties,
        dropped_fields: converted.dropped,
        log_groups,
    })
}
