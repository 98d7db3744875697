//! Feature → needs: what a task definition requires from the network and from IAM.
//!
//! Every rule here names the AWS page that states it (see [`crate::sources`]). Output order is
//! deterministic: containers in task-definition order, each container's features in a fixed
//! order (image, repository credentials, secrets, log configuration, environment files, X-Ray),
//! then task-level features (ECS Exec, EC2 capacity). Duplicates are kept (two containers that
//! both pull from ECR both say so); deduplication is the caller's job.

use crate::image::{classify_image, ecr_copy_name, ImageRef};
use crate::sources as src;
use moat_model::{LaunchType, Maybe, Provenance, Secret, TaskDefinition};

/// The context a task runs in, beyond its task definition.
#[derive(Debug, Clone)]
pub struct WorkloadContext {
    pub launch_type: LaunchType,
    /// The service sets `enableExecuteCommand` (ECS Exec).
    pub execute_command: bool,
    /// Region the tasks run in (`us-east-1`); S3 layer bucket names depend on it.
    pub region: String,
}

/// One thing the workload needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Need {
    /// A VPC endpoint for this service (short name, e.g. `ecr.dkr`; kind from `services`).
    Endpoint(&'static str),
    /// The S3 gateway endpoint policy (and the task's route to it) must admit `s3:GetObject` on
    /// this resource ARN, e.g. `arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*`.
    S3Object { resource: String },
    /// The task execution role must allow `action` on `resource`.
    ExecutionRole {
        action: &'static str,
        resource: String,
    },
    /// The task role must allow `action` on `resource` (e.g. ECS Exec's `ssmmessages:*`).
    TaskRole {
        action: &'static str,
        resource: String,
    },
    /// The EC2 container instance role must allow `action` on `resource`: on the EC2 launch type
    /// the ECS container agent pulls ECR images and ships awslogs output with the instance's
    /// credentials; the task execution role is required for that only on Fargate and external
    /// instances ([`crate::sources::TASK_EXECUTION_ROLE`], [`crate::sources::INSTANCE_ROLE`]).
    InstanceRole {
        action: &'static str,
        resource: String,
    },
}

/// Why something is needed: which container and field, with the documentation that says so.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub container: Option<String>,
    /// Task definition field, in register-task-definition spelling (`image`,
    /// `logConfiguration.options.awslogs-create-group`, `secrets[0].valueFrom`, …).
    pub field: String,
    /// One line a person reads ("pulls 123….dkr.ecr.us-east-1.amazonaws.com/app from private ECR").
    pub detail: String,
    /// AWS documentation page for the fact.
    pub source: &'static str,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Requirement {
    pub need: Need,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ProblemKind {
    /// The image is on a public registry: an isolated VPC cannot pull it.
    PublicImage,
    /// The image is in another account's or another region's ECR, or another private registry.
    ForeignRegistry,
    /// A value that decides a need is unknown (an unresolved parameter).
    Unknown,
    /// The task uses an AWS service in another region (an `awslogs-region`, a secret or
    /// parameter ARN, a FireLens `region`): the VPC's endpoints serve only the VPC's region, and
    /// an isolated VPC has no other way out.
    CrossRegion,
}

/// Something in the task definition that cannot work in an isolated VPC as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub container: Option<String>,
    pub message: String,
    pub help: String,
    pub prov: Provenance,
    /// For [`ProblemKind::Unknown`]: the unknown value decides which endpoints the task needs
    /// (an image, a secret's store, a log destination), so every reach verdict of the task stays
    /// open until it is known. `false`: it only changes a permission's resource (a log group
    /// name), or the problem is not an unknown.
    pub leaves_needs_open: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TaskNeeds {
    pub requirements: Vec<Requirement>,
    pub problems: Vec<Problem>,
}

/// The actions ECS Exec's SSM agent calls with the task role.
pub const ECS_EXEC_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// The actions the execution role needs on a private ECR repository to pull from it.
pub const ECR_PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
];

/// Accumulates needs for one task definition.
pub(crate) struct Collector<'a> {
    pub(crate) ctx: &'a WorkloadContext,
    /// `aws` / `aws-cn` / `aws-us-gov`, from the region.
    pub(crate) partition: &'static str,
    /// The task's account when the execution (or task) role ARN names it, else `*`.
    pub(crate) account: String,
    out: TaskNeeds,
}

/// Where one need comes from (the pieces of a [`Reason`] that do not vary per need).
pub(crate) struct Site<'s> {
    pub(crate) container: &'s Option<String>,
    pub(crate) field: String,
    pub(crate) prov: &'s Provenance,
}

impl Collector<'_> {
    pub(crate) fn need(
        &mut self,
        site: &Site<'_>,
        need: Need,
        detail: impl Into<String>,
        source: &'static str,
    ) {
        self.out.requirements.push(Requirement {
            need,
            reason: Reason {
                container: site.container.clone(),
                field: site.field.clone(),
                detail: detail.into(),
                source,
                prov: site.prov.clone(),
            },
        });
    }

    pub(crate) fn problem(
        &mut self,
        site: &Site<'_>,
        kind: ProblemKind,
        message: String,
        help: String,
    ) {
        self.out.problems.push(Problem {
            kind,
            container: site.container.clone(),
            message,
            help,
            prov: site.prov.clone(),
            leaves_needs_open: false,
        });
    }

    /// An unknown value that only changes a permission's resource (the needs stay decided).
    pub(crate) fn unknown(&mut self, site: &Site<'_>, why: &str, what: &str) {
        self.unknown_value(site, why, what, false);
    }

    /// An unknown value that decides which endpoints the task needs.
    pub(crate) fn unknown_needs(&mut self, site: &Site<'_>, why: &str, what: &str) {
        self.unknown_value(site, why, what, true);
    }

    fn unknown_value(&mut self, site: &Site<'_>, why: &str, what: &str, open: bool) {
        let who = site
            .container
            .as_deref()
            .map_or(String::new(), |c| format!(" of container `{c}`"));
        self.problem(
            site,
            ProblemKind::Unknown,
            format!("`{}`{who} is unknown ({why}): cannot decide {what}", site.field),
            "give the value a literal (or a parameter default) so moat can work out what the task needs".into(),
        );
        if let Some(p) = self.out.problems.last_mut() {
            p.leaves_needs_open = open;
        }
    }

    /// Who makes the ECS agent's own calls (ECR pull, awslogs): the task execution role on
    /// Fargate and external instances, the container instance role on EC2.
    /// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    pub(crate) fn agent_call(&self, action: &'static str, resource: String) -> Need {
        match self.ctx.launch_type {
            LaunchType::Ec2 => Need::InstanceRole { action, resource },
            LaunchType::Fargate | LaunchType::External => Need::ExecutionRole { action, resource },
        }
    }

    /// "the execution role" or "the container instance role", for reasons.
    pub(crate) fn agent_role_words(&self) -> &'static str {
        match self.ctx.launch_type {
            LaunchType::Ec2 => "the container instance role",
            LaunchType::Fargate | LaunchType::External => "the execution role",
        }
    }
}

impl Collector<'_> {
    /// Report a use of `what` in `region` when that is not the tasks' region.
    pub(crate) fn check_region(&mut self, site: &Site<'_>, region: &str, what: &str) {
        // With the tasks' region unknown there is nothing to compare with (MOAT129 records it
        // as unproved).
        if region == self.ctx.region
            || region.is_empty()
            || region == "*"
            || self.ctx.region == moat_model::UNKNOWN_REGION
        {
            return;
        }
        let here = self.ctx.region.clone();
        self.problem(
            site,
            ProblemKind::CrossRegion,
            format!("`{}` uses {what} in {region}, but the tasks run in {here}: the VPC's endpoints reach only {here} and the isolated VPC has no other way out", site.field),
            format!("use {what} in {here} instead (the same name in {here})"),
        );
    }
}

/// `aws-cn` for China regions, `aws-us-gov` for GovCloud, else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The account in `arn:<partition>:iam::<account>:role/…`, if `arn` is one.
fn account_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(acct)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

/// Everything `td` needs when run in `ctx`.
pub fn task_needs(td: &TaskDefinition, ctx: &WorkloadContext) -> TaskNeeds {
    let account = [&td.execution_role, &td.task_role]
        .into_iter()
        .flatten()
        .find_map(|r| r.known().and_then(|a| account_of_arn(a)))
        .unwrap_or("*")
        .to_string();
    let mut c = Collector {
        ctx,
        partition: partition_of(&ctx.region),
        account,
        out: TaskNeeds::default(),
    };
    container_list(&mut c, td);
    for container in &td.containers {
        container_needs(&mut c, container);
    }
    task_level_needs(&mut c, td);
    c.out
}

/// A task definition whose container list is unknown, or empty, says nothing about what its
/// tasks need: the needs stay open (never "needs nothing"). An empty list cannot even be
/// registered: `containerDefinitions` is required
/// ([`src::REGISTER_TASK_DEFINITION`]).
fn container_list(c: &mut Collector<'_>, td: &TaskDefinition) {
    let none = None;
    let site = Site {
        container: &none,
        field: "containerDefinitions".into(),
        prov: &td.prov.field("containers"),
    };
    if let Some(why) = &td.containers_unknown {
        c.unknown_needs(
            &site,
            why,
            "which containers the tasks run, and so what they need",
        );
    } else if td.containers.is_empty() {
        c.problem(
            &site,
            ProblemKind::Unknown,
            format!(
                "what the tasks of task definition `{}` need (it has no container \
                 definitions, and ECS registers no task definition without one: {})",
                td.id,
                src::REGISTER_TASK_DEFINITION
            ),
            "add ContainerDefinitions (each container's Image, LogConfiguration, Secrets)".into(),
        );
        if let Some(p) = c.out.problems.last_mut() {
            p.leaves_needs_open = true;
        }
    }
}

fn container_needs(c: &mut Collector<'_>, k: &moat_model::Container) {
    let name = k.name.known().cloned();
    let image_site = Site {
        container: &name,
        field: "image".into(),
        prov: &k.prov.field("image"),
    };
    match &k.image {
        Maybe::Known(image) => image_needs(c, &image_site, image),
        Maybe::Unknown(why) => {
            c.unknown_needs(&image_site, why, "which registry the image is pulled from")
        }
    }
    if let Some(cred) = &k.repository_credentials {
        let site = Site {
            container: &name,
            field: "repositoryCredentials.credentialsParameter".into(),
            prov: &k.prov.field("repositoryCredentials"),
        };
        match cred {
            Maybe::Known(arn) => {
                c.need(
                    &site,
                    Need::Endpoint("secretsmanager"),
                    "reads the private registry credentials from Secrets Manager",
                    src::PRIVATE_REGISTRY_AUTH,
                );
                c.need(
                    &site,
                    Need::ExecutionRole {
                        action: "secretsmanager:GetSecretValue",
                        resource: secret_arn(arn).to_string(),
                    },
                    "the execution role reads the registry credentials secret",
                    src::PRIVATE_REGISTRY_AUTH,
                );
            }
            Maybe::Unknown(why) => {
                c.unknown_needs(&site, why, "which secret holds the registry credentials")
            }
        }
    }
    for (i, s) in k.secrets.iter().enumerate() {
        secret_needs(c, &name, &format!("secrets[{i}].valueFrom"), s);
    }
    if let Some(log) = &k.log {
        crate::logs::log_needs(c, &name, log);
    }
    for (i, (value, prov)) in k.environment_files.iter().enumerate() {
        let site = Site {
            container: &name,
            field: format!("environmentFiles[{i}].value"),
            prov,
        };
        match value {
            Maybe::Known(arn) => environment_file_needs(c, &site, arn),
            Maybe::Unknown(why) => {
                c.unknown_needs(&site, why, "which S3 object the environment file is")
            }
        }
    }
    let is_xray = k
        .image
        .known()
        .is_some_and(|i| i.contains("aws-xray-daemon"))
        || name.as_deref() == Some("xray-daemon");
    if is_xray {
        let site = Site {
            container: &name,
            field: "image".into(),
            prov: &k.prov.field("image"),
        };
        c.need(
            &site,
            Need::Endpoint("xray"),
            "the X-Ray daemon sends trace segments to X-Ray",
            src::XRAY_DAEMON_ECS,
        );
        for action in ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] {
            c.need(
                &site,
                Need::TaskRole {
                    action,
                    resource: "*".into(),
                },
                "the X-Ray daemon uploads with the task role's credentials",
                src::XRAY_DAEMON_ECS,
            );
        }
        // The daemon also fetches the sampling rules and targets the SDKs use; without these
        // it logs AccessDenied and the SDKs fall back to local sampling. The daemon's managed
        // policy lists all five actions on `*` (X-Ray has no resource-level permissions for
        // them).
        for action in [
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ] {
            c.need(
                &site,
                Need::TaskRole {
                    action,
                    resource: "*".into(),
                },
                "the X-Ray daemon reads the sampling rules and targets the X-Ray SDKs use",
                src::XRAY_DAEMON_POLICY,
            );
        }
    }
}

fn image_needs(c: &mut Collector<'_>, site: &Site<'_>, image: &str) {
    match classify_image(image) {
        ImageRef::PrivateEcr { account, region, repository, fips, dual_stack } => {
            if c.ctx.region == moat_model::UNKNOWN_REGION && region != c.ctx.region {
                // Same region or not is unknown: the needs below hold only if it is the same.
                c.unknown_needs(
                    site,
                    "the tasks' region is not known (no --region, no region in the inputs)",
                    &format!("whether the image's registry region {region} is the tasks' region"),
                );
                if let Some(p) = c.out.problems.last_mut() {
                    p.help = "pass --region (or AWS_REGION), or check the cloud assembly that names the stack's environment".into();
                }
            } else if region != c.ctx.region {
                c.problem(
                    site,
                    ProblemKind::ForeignRegistry,
                    format!("image `{image}` is in the ECR registry of region {region}, but the tasks run in {}; the VPC's ECR endpoints serve only {}", c.ctx.region, c.ctx.region),
                    format!(
                        "replicate the repository into {0} (ECR cross-region replication) and use {account}.dkr.ecr.{0}.amazonaws.com/{repository}; a cross-region pull needs the internet",
                        c.ctx.region
                    ),
                );
                return;
            }
            let form = match (fips, dual_stack) {
                (false, false) => "",
                (true, false) => " (FIPS endpoint)",
                (false, true) => " (dual-stack endpoint)",
                (true, true) => " (FIPS dual-stack endpoint)",
            };
            let detail = format!("pulls {image} from private ECR{form}");
            c.need(site, Need::Endpoint("ecr.api"), detail.clone(), src::ECR_VPC_ENDPOINTS);
            c.need(site, Need::Endpoint("ecr.dkr"), detail.clone(), src::ECR_VPC_ENDPOINTS);
            c.need(site, Need::Endpoint("s3"), format!("{detail}: image layers are served from S3"), src::ECR_VPC_ENDPOINTS);
            c.need(
                site,
                Need::S3Object { resource: format!("arn:{}:s3:::prod-{region}-starport-layer-bucket/*", c.partition) },
                "ECR stores image layers in the region's starport layer bucket",
                src::ECR_VPC_ENDPOINTS,
            );
            let who = c.agent_role_words();
            let token = c.agent_call("ecr:GetAuthorizationToken", "*".into());
            c.need(
                site,
                token,
                format!("{who} gets an ECR registry token (the action takes no resource)"),
                src::TASK_EXECUTION_ROLE,
            );
            let repo_arn = format!("arn:{}:ecr:{region}:{account}:repository/{repository}", c.partition);
            for action in ECR_PULL_ACTIONS {
                let need = c.agent_call(action, repo_arn.clone());
                c.need(
                    site,
                    need,
                    format!("{who} pulls from repository {repository}"),
                    src::TASK_EXECUTION_ROLE,
                );
            }
        }
        ImageRef::Public { registry } => {
            let repo = ecr_copy_name(image);
            let parts = crate::image::split_image(image);
            let tag = match parts.reference {
                "" => ":latest".to_string(),
                r => r.to_string(),
            };
            let target = format!(
                "{}.dkr.ecr.{}.amazonaws.com/{repo}{}",
                if c.account == "*" { "<account>" } else { &c.account },
                c.ctx.region,
                if tag.starts_with('@') { ":<tag>" } else { &tag }
            );
            c.problem(
                site,
                ProblemKind::PublicImage,
                format!("image `{image}` is on the public registry {registry}: the isolated VPC has no route to the internet and cannot pull it"),
                format!(
                    "copy it into the private ECR repository `{repo}` first and point `image` at the copy:\n  docker pull {image}\n  docker tag {image} {target}\n  docker push {target}\nor `crane copy {image} {target}`; an ECR pull through cache rule also works ({})",
                    src::ECR_PULL_THROUGH_CACHE
                ),
            );
        }
        ImageRef::OtherRegistry { registry } => c.problem(
            site,
            ProblemKind::ForeignRegistry,
            format!("image `{image}` is on the registry {registry}, which the isolated VPC cannot reach through an AWS endpoint"),
            "copy the image into the private ECR repository (docker pull/tag/push or `crane copy`). Only on EC2 capacity can the pull go through the egress gateway (the registry host in `[egress] allow`, the ECS agent's HTTP_PROXY pointing at it, repositoryCredentials set); Fargate pulls from the task's network interface and ignores the containers' proxy settings (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/http_proxy_config.html)".into(),
        ),
    }
}

/// The secret's own ARN from a `valueFrom` that may carry `:json-key:version-stage:version-id`:
/// a Secrets Manager ARN has exactly seven `:`-separated parts
/// (`arn:aws:secretsmanager:region:account:secret:name-AbCdEf`).
pub fn secret_arn(value_from: &str) -> &str {
    let mut end = value_from.len();
    let mut seen = 0;
    // The unknown region (`${AWS::Region}`) is one ARN part although it holds colons.
    let skip = value_from
        .find(moat_model::UNKNOWN_REGION)
        .map(|i| i..i + moat_model::UNKNOWN_REGION.len());
    for (i, ch) in value_from.char_indices() {
        if skip.as_ref().is_some_and(|r| r.contains(&i)) {
            continue;
        }
        if ch == ':' {
            seen += 1;
            if seen == 7 {
                end = i;
                break;
            }
        }
    }
    &value_from[..end]
}

/// The parameter ARN for an SSM `valueFrom`: an ARN as is, a bare name (`db-password`,
/// `/prod/db/password`) in the task's region and account.
fn ssm_parameter_arn(c: &Collector<'_>, value_from: &str) -> String {
    if value_from.starts_with("arn:") {
        return value_from.to_string();
    }
    let name = value_from.trim_start_matches('/');
    format!(
        "arn:{}:ssm:{}:{}:parameter/{name}",
        c.partition, c.ctx.region, c.account
    )
}

/// Needs of one secret (`secrets[]` or `logConfiguration.secretOptions[]`).
pub(crate) fn secret_needs(
    c: &mut Collector<'_>,
    container: &Option<String>,
    field: &str,
    s: &Secret,
) {
    let site = Site {
        container,
        field: field.to_string(),
        prov: &s.prov,
    };
    let value = match &s.value_from {
        Maybe::Known(v) => v,
        Maybe::Unknown(why) => {
            return c.unknown_needs(
                &site,
                why,
                "whether the secret lives in Secrets Manager or Parameter Store",
            )
        }
    };
    let env = s.name.known().map_or(String::new(), |n| format!(" {n}"));
    if let Some(region) = value
        .strip_prefix("arn:")
        .and_then(|_| value.split(':').nth(3))
        .filter(|_| !value.contains(moat_model::UNKNOWN_REGION))
    {
        let what = match value.split(':').nth(2) {
            Some("secretsmanager") => "a Secrets Manager secret",
            _ => "an SSM parameter",
        };
        c.check_region(&site, region, what);
    }
    if value.starts_with("arn:") && value.split(':').nth(2) == Some("secretsmanager") {
        let arn = secret_arn(value).to_string();
        c.need(
            &site,
            Need::Endpoint("secretsmanager"),
            format!("injects secret{env} from Secrets Manager"),
            src::SECRETS_MANAGER_SECRETS,
        );
        c.need(
            &site,
            Need::ExecutionRole {
                action: "secretsmanager:GetSecretValue",
                resource: arn,
            },
            format!("the execution role reads secret{env}"),
            src::SECRETS_MANAGER_SECRETS,
        );
    } else {
        let arn = ssm_parameter_arn(c, value);
        c.need(
            &site,
            Need::Endpoint("ssm"),
            format!("injects secret{env} from SSM Parameter Store"),
            src::SSM_PARAMETERS,
        );
        c.need(
            &site,
            Need::ExecutionRole {
                action: "ssm:GetParameters",
                resource: arn,
            },
            format!("the execution role reads parameter{env}"),
            src::SSM_PARAMETERS,
        );
    }
}

fn environment_file_needs(c: &mut Collector<'_>, site: &Site<'_>, arn: &str) {
    // arn:aws:s3:::bucket/key.env
    let bucket = arn
        .splitn(6, ':')
        .nth(5)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    c.need(
        site,
        Need::Endpoint("s3"),
        format!("reads environment file {arn} from S3"),
        src::ENVIRONMENT_FILES,
    );
    c.need(
        site,
        Need::S3Object {
            resource: arn.to_string(),
        },
        "the environment file is fetched through the S3 gateway endpoint",
        src::ENVIRONMENT_FILES,
    );
    c.need(
        site,
        Need::ExecutionRole {
            action: "s3:GetObject",
            resource: arn.to_string(),
        },
        "the execution role reads the environment file",
        src::ENVIRONMENT_FILES,
    );
    c.need(
        site,
        Need::ExecutionRole {
            action: "s3:GetBucketLocation",
            resource: format!("arn:{}:s3:::{bucket}", c.partition),
        },
        "the execution role looks up the environment file's bucket",
        src::ENVIRONMENT_FILES,
    );
}

fn task_level_needs(c: &mut Collector<'_>, td: &TaskDefinition) {
    let none = None;
    if c.ctx.execute_command {
        let site = Site {
            container: &none,
            field: "enableExecuteCommand".into(),
            prov: &td.prov,
        };
        c.need(
            &site,
            Need::Endpoint("ssmmessages"),
            "ECS Exec opens Session Manager channels",
            src::ECS_EXEC,
        );
        for action in ECS_EXEC_ACTIONS {
            c.need(
                &site,
                Need::TaskRole {
                    action,
                    resource: "*".into(),
                },
                "ECS Exec's SSM agent uses the task role",
                src::ECS_EXEC,
            );
        }
    }
    if c.ctx.launch_type == LaunchType::Ec2 {
        let site = Site {
            container: &none,
            field: "requiresCompatibilities".into(),
            prov: &td.prov,
        };
        for svc in ["ecs", "ecs-agent", "ecs-telemetry"] {
            c.need(
                &site,
                Need::Endpoint(svc),
                "the ECS container agent on EC2 capacity talks to ECS",
                src::ECS_VPC_ENDPOINTS,
            );
        }
    }
}

/// Needs of a customer managed KMS key that encrypts the task's secrets or parameters: the kms
/// endpoint and `kms:Decrypt` for the execution role. moat cannot see which key encrypts a
/// secret from the task definition, so the spec names it (`kms_key_arns` of a service).
pub fn customer_key_needs(key_arn: &str, prov: &Provenance) -> Vec<Requirement> {
    let reason = Reason {
        container: None,
        field: "kms_key_arns".into(),
        detail: format!("secrets are encrypted with the customer managed key {key_arn}"),
        source: src::SECRETS_MANAGER_KMS,
        prov: prov.clone(),
    };
    vec![
        Requirement {
            need: Need::Endpoint("kms"),
            reason: reason.clone(),
        },
        Requirement {
            need: Need::ExecutionRole {
                action: "kms:Decrypt",
                resource: key_arn.to_string(),
            },
            reason: Reason {
                source: src::SENSITIVE_DATA,
                ..reason
            },
        },
    ]
}

#[cfg(test)]
#[path = "needs_tests.rs"]
mod tests;
