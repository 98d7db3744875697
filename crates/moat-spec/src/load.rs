//! `moat.toml` → [`Spec`]: parse with spans, validate, read the task definitions, run the
//! catalog checks.

use crate::raw::{RawEgress, RawIngress, RawService, RawSpec};
use crate::taskdef::{parse_task_definition, TdExtras};
use crate::validate as v;
use crate::{
    Autoscaling, EgressSpec, ImageMirror, Ingress, ServiceSpec, Spec, SpecError, SpecExtras,
};
use ipnet::Ipv4Net;
use moat_catalog::{classify_image, task_needs, ImageRef, ProblemKind, WorkloadContext};
use moat_model::{LaunchType, Provenance};
use serde::Deserialize;
use std::cell::RefCell;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Byte offsets → 1-based line and column (columns count characters).
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    fn pos(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }
}

/// Environment-wide settings a service is checked against.
struct Env<'a> {
    region: &'a str,
    /// False when `region` itself is wrong: the region-dependent checks would only repeat it.
    region_valid: bool,
    account_id: Option<&'a str>,
    egress: Option<&'a EgressSpec>,
    /// `[images] mirror`, the default for every service.
    mirror_all: Option<&'a Spanned<bool>>,
    /// `[images] pull_through`, checked, and where it is written.
    pull_through: &'a [crate::pull_through::Upstream],
    pull_through_span: Option<Range<usize>>,
}

/// The context every check needs: where we are and how to report. Problems are collected in
/// `errors` so one run reports every problem of a spec, not only the first.
struct Cx<'a> {
    path: &'a Path,
    lines: Lines<'a>,
    errors: RefCell<Vec<SpecError>>,
}

impl Cx<'_> {
    /// Record a problem and go on checking.
    fn report(&self, e: SpecError) {
        self.errors.borrow_mut().push(e);
    }

    /// The value, or `fallback` after recording the problem.
    fn or<T>(&self, r: Result<T, SpecError>, fallback: T) -> T {
        r.unwrap_or_else(|e| {
            self.report(e);
            fallback
        })
    }

    fn at(&self, span: Range<usize>, message: impl Into<String>) -> SpecError {
        let (line, column) = self.lines.pos(span.start);
        SpecError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// `problem` (if any) as an error at `s`.
    fn check<T>(&self, s: &Spanned<T>, problem: Option<String>) -> Result<(), SpecError> {
        match problem {
            Some(m) => Err(self.at(s.span(), m)),
            None => Ok(()),
        }
    }

    /// Records `problem` (if any) at `s` and goes on; true when there was none.
    fn flag<T>(&self, s: &Spanned<T>, problem: Option<String>) -> bool {
        let r = self.check(s, problem);
        let ok = r.is_ok();
        self.or(r, ());
        ok
    }

    fn set(&self, prov: &mut Provenance, field: &'static str, span: Range<usize>) {
        let (l, c) = self.lines.pos(span.start);
        prov.set_field(field, l, c);
    }

    fn file(&self) -> String {
        self.path.display().to_string()
    }
}

pub(crate) fn load(path: &Path) -> Result<(Spec, SpecExtras), SpecError> {
    let file = if path.is_dir() {
        path.join("moat.toml")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| SpecError::Io {
        path: file.clone(),
        message: format!("cannot read the spec: {e}"),
    })?;
    load_str(&file, &text)
}

pub(crate) fn load_str(path: &Path, text: &str) -> Result<(Spec, SpecExtras), SpecError> {
    let cx = Cx {
        path,
        lines: Lines::new(text),
        errors: RefCell::new(Vec::new()),
    };
    let toml_error = |e: toml::de::Error| {
        let span = e.span().unwrap_or(0..0);
        cx.at(span, e.message().trim_end().to_string())
    };
    // Unknown keys are found (all of them, with suggestions) and dropped before serde reads the
    // rest, so a misspelt key does not hide the problems after it.
    let mut table = toml::de::DeTable::parse(text).map_err(toml_error)?;
    for (span, message) in crate::keys::unknown_keys(table.get_mut()) {
        cx.report(cx.at(span, message));
    }
    let parsed = RawSpec::deserialize(toml::de::Deserializer::from(table)).map_err(toml_error);
    let result = parsed.map(|raw| spec(&cx, raw));
    let mut errors = cx.errors.into_inner();
    match result {
        Err(e) => errors.push(e),
        Ok(Err(e)) => errors.push(e),
        Ok(Ok(spec)) if errors.is_empty() => return Ok(spec),
        Ok(Ok(_)) => {}
    }
    Err(SpecError::from_many(errors))
}

fn int_in<T: TryFrom<i64>>(
    cx: &Cx<'_>,
    s: &Spanned<i64>,
    what: &str,
    lo: i64,
    hi: i64,
) -> Result<T, SpecError> {
    let n = *s.get_ref();
    if n < lo || n > hi {
        return Err(cx.at(
            s.span(),
            format!("{what} must be between {lo} and {hi}, got {n}"),
        ));
    }
    T::try_from(n).map_err(|_| cx.at(s.span(), format!("{what} is out of range")))
}

fn spec(cx: &Cx<'_>, raw: RawSpec) -> Result<(Spec, SpecExtras), SpecError> {
    let mut extras = SpecExtras {
        dns: crate::dns::settings(raw.dns.as_ref(), |span, m| cx.at(span, m))?,
        ..Default::default()
    };
    cx.flag(&raw.name, v::env_name(raw.name.get_ref()));
    let region_valid = cx.flag(&raw.region, v::region(raw.region.get_ref()));
    let mut prov = Provenance::at(raw.name.get_ref().as_str(), cx.file(), 1, 1);
    cx.set(&mut prov, "name", raw.name.span());
    cx.set(&mut prov, "region", raw.region.span());
    if let Some(a) = &raw.account_id {
        cx.flag(a, v::account_id(a.get_ref()));
        cx.set(&mut prov, "account_id", a.span());
    }
    let default_cidr = Ipv4Net::new(std::net::Ipv4Addr::new(10, 0, 0, 0), 16)
        .map_err(|_| cx.at(0..0, "internal: default CIDR"))?;
    let vpc_cidr = match &raw.vpc_cidr {
        None => default_cidr,
        Some(s) => {
            cx.set(&mut prov, "vpc_cidr", s.span());
            cx.or(vpc_cidr(cx, s), default_cidr)
        }
    };
    let az_count = match &raw.az_count {
        None => 2,
        Some(s) => {
            cx.set(&mut prov, "az_count", s.span());
            cx.or(int_in(cx, s, "az_count", 1, 6), 2)
        }
    };
    let flow_logs = raw.flow_logs.as_ref().is_none_or(|f| *f.get_ref());
    let log_retention_days = match &raw.log_retention_days {
        None => 30,
        Some(s) => {
            cx.set(&mut prov, "log_retention_days", s.span());
            let n = *s.get_ref();
            match u32::try_from(n)
                .ok()
                .filter(|d| v::LOG_RETENTION_DAYS.contains(d))
            {
                Some(d) => d,
                None => {
                    let allowed = v::LOG_RETENTION_DAYS.map(|d| d.to_string()).join(", ");
                    cx.report(cx.at(s.span(), format!("log_retention_days {n} is not a retention CloudWatch Logs accepts; expected one of {allowed}")));
                    30
                }
            }
        }
    };
    let mut ecr_repositories = Vec::new();
    for r in &raw.ecr_repositories {
        cx.flag(r, v::ecr_repository(r.get_ref()));
        if ecr_repositories.contains(r.get_ref()) {
            cx.report(cx.at(
                r.span(),
                format!("ECR repository `{}` is listed twice", r.get_ref()),
            ));
        }
        ecr_repositories.push(r.get_ref().clone());
    }
    let egress = raw
        .egress
        .as_ref()
        .and_then(|e| cx.or(egress(cx, e.get_ref()).map(Some), None));
    if let Some(e) = &raw.egress {
        cx.set(&mut prov, "egress", e.span());
    }
    extras.vpc = existing_vpc(cx, &raw, &mut prov);
    let az_count = match &extras.vpc {
        Some(v) => u8::try_from(v.subnet_ids.len()).unwrap_or(u8::MAX),
        None => az_count,
    };
    let region = raw.region.get_ref().clone();
    let mut services: Vec<ServiceSpec> = Vec::new();
    let mut mirrors = Vec::new();
    let raw_pull_through = raw
        .images
        .as_ref()
        .map(|i| i.get_ref().pull_through.as_slice())
        .unwrap_or_default();
    let pull_through = pull_through_rules(cx, raw_pull_through);
    for s in &raw.service {
        let env = Env {
            region: &region,
            region_valid,
            account_id: raw.account_id.as_ref().map(|a| a.get_ref().as_str()),
            egress: egress.as_ref(),
            mirror_all: raw
                .images
                .as_ref()
                .and_then(|i| i.get_ref().mirror.as_ref()),
            pull_through: &pull_through,
            pull_through_span: raw_pull_through.first().map(|p| p.span()),
        };
        // A service whose task definition cannot be read is left out; the others are still
        // checked.
        let Some((svc, kms, mirrored)) = cx.or(service(cx, s, &env).map(Some), None) else {
            continue;
        };
        mirrors.extend(mirrored);
        if services.iter().any(|o| o.name == svc.name) {
            cx.report(cx.at(
                s.get_ref().name.span(),
                format!("service `{}` is defined twice", svc.name),
            ));
        }
        if !kms.is_empty() {
            extras.kms_key_arns.insert(svc.name.clone(), kms);
        }
        services.push(svc);
    }
    Ok((
        Spec {
            path: cx.path.to_path_buf(),
            name: raw.name.into_inner(),
            region,
            account_id: raw.account_id.map(Spanned::into_inner),
            vpc_cidr,
            az_count,
            flow_logs,
            log_retention_days,
            ecr_repositories,
            services,
            egress,
            mirrors,
            pull_through,
            prov,
        },
        extras,
    ))
}

/// `[vpc]`, and the settings that have no meaning beside it (each an error at its own place).
fn existing_vpc(
    cx: &Cx<'_>,
    raw: &RawSpec,
    prov: &mut Provenance,
) -> Option<crate::ExistingVpcSpec> {
    let section = raw.vpc.as_ref()?;
    cx.set(prov, "vpc", section.span());
    let found = crate::vpc::existing_vpc(Some(section), &mut |span, m| cx.report(cx.at(span, m)));
    let why = "[vpc] id names an existing VPC";
    if let Some(c) = &raw.vpc_cidr {
        cx.report(cx.at(c.span(), format!("vpc_cidr has no meaning with [vpc]: {why}, whose CIDR is read from the account; remove vpc_cidr")));
    }
    if let Some(a) = &raw.az_count {
        cx.report(cx.at(a.span(), format!("az_count has no meaning with [vpc]: {why}; the AZs are those of [vpc] subnet_ids; remove az_count")));
    }
    if let Some(e) = &raw.egress {
        cx.report(cx.at(e.span(), format!("[egress] cannot be used with [vpc]: {why}, and the egress gateway needs subnets routed to an internet gateway in it, which only the network team can add")));
    }
    found
}

/// The VPC block: an IPv4 CIDR without host bits, /16 to /24. AWS accepts /16 to /28 for a
/// VPC and /28 at the smallest for a subnet; moat cuts the VPC into 16 equal blocks (see
/// `moat_synth::subnets`), so /24 is the smallest VPC whose blocks are still valid subnets.
/// Source: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html> and
/// <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>.
fn vpc_cidr(cx: &Cx<'_>, s: &Spanned<String>) -> Result<Ipv4Net, SpecError> {
    let net: Ipv4Net = s.get_ref().parse().map_err(|_| {
        cx.at(
            s.span(),
            format!(
                "invalid vpc_cidr `{}`: expected an IPv4 CIDR block such as `10.0.0.0/16`",
                s.get_ref()
            ),
        )
    })?;
    if !(16..=24).contains(&net.prefix_len()) {
        return Err(cx.at(s.span(), format!(
            "vpc_cidr `{net}` has a /{} prefix; moat needs /16 to /24: it cuts the VPC into 16 equal blocks and a subnet is at least /28",
            net.prefix_len()
        )));
    }
    if net.trunc() != net {
        return Err(cx.at(
            s.span(),
            format!(
                "vpc_cidr `{net}` has host bits set; did you mean `{}`?",
                net.trunc()
            ),
        ));
    }
    Ok(net)
}

fn egress(cx: &Cx<'_>, e: &RawEgress) -> Result<EgressSpec, SpecError> {
    let mode = match &e.mode {
        None => "enforce".to_string(),
        Some(m) if m.get_ref() == "discover" || m.get_ref() == "enforce" => m.get_ref().clone(),
        Some(m) => {
            return Err(cx.at(
                m.span(),
                format!(
                    "invalid egress mode `{}`: expected `discover` or `enforce`",
                    m.get_ref()
                ),
            ))
        }
    };
    let mut allow = Vec::new();
    for h in &e.allow {
        cx.check(h, v::allow_host(h.get_ref()))?;
        // Normalised as the gateway reads it (lower case, no trailing dot).
        let entry = moat_allow::parse_entry(h.get_ref()).map_err(|e| cx.at(h.span(), e.0))?;
        allow.push(entry.to_string());
    }
    Ok(EgressSpec {
        mode,
        allow,
        image: e.image.as_ref().map(|i| i.get_ref().clone()),
    })
}

fn service(
    cx: &Cx<'_>,
    s: &Spanned<RawService>,
    env: &Env<'_>,
) -> Result<(ServiceSpec, Vec<String>, Vec<ImageMirror>), SpecError> {
    let r = s.get_ref();
    cx.flag(&r.name, v::service_name(r.name.get_ref()));
    let name = r.name.get_ref().clone();
    let (line, col) = cx.lines.pos(s.span().start);
    let mut prov = Provenance::at(name.as_str(), cx.file(), line, col);
    cx.set(&mut prov, "name", r.name.span());
    cx.set(&mut prov, "task_definition", r.task_definition.span());

    let (td_path, mut td, extras) = read_task_definition(cx, r, &name)?;
    if let Some(m) = &r.mirror {
        cx.set(&mut prov, "mirror", m.span());
    }
    // Without the mirror the images stay public and every check after this would repeat it.
    let mirrored = mirror_images(cx, r, env, &name, &mut td, &extras)?;
    let capacity = capacity(cx, r, &mut prov);
    check_task_networking(cx, &td, &td_path, &name, capacity);
    let (desired_count, autoscaling) = scaling(cx, r, &mut prov);
    let execute_command = r.execute_command.as_ref().is_some_and(|e| *e.get_ref());
    if let Some(e) = &r.execute_command {
        cx.set(&mut prov, "execute_command", e.span());
    }
    let ingress = match &r.ingress {
        None => None,
        Some(i) => {
            cx.set(&mut prov, "ingress", i.span());
            cx.or(ingress(cx, i, &extras, env).map(Some), None)
        }
    };
    let (extra_endpoints, s3_read_buckets, kms_key_arns) = access(cx, r, env, &mut prov);
    if env.region_valid {
        cx.or(
            catalog_checks(&td, &extras, &td_path, env, capacity, execute_command),
            (),
        );
    }

    Ok((
        ServiceSpec {
            name,
            task_definition_path: td_path,
            task_definition: td,
            desired_count,
            autoscaling,
            capacity,
            execute_command,
            ingress,
            extra_endpoints,
            s3_read_buckets,
            prov,
        },
        kms_key_arns,
        mirrored,
    ))
}

/// `[images] pull_through`: each entry an upstream ECR can cache, once.
fn pull_through_rules(
    cx: &Cx<'_>,
    entries: &[Spanned<String>],
) -> Vec<crate::pull_through::Upstream> {
    let mut rules: Vec<crate::pull_through::Upstream> = Vec::new();
    for e in entries {
        match crate::pull_through::upstream(e.get_ref()) {
            Some(u) if rules.contains(u) => cx.report(cx.at(
                e.span(),
                format!("pull_through names `{}` twice", e.get_ref()),
            )),
            Some(u) => rules.push(*u),
            None => cx.report(cx.at(
                e.span(),
                format!(
                    "`{}` is not a registry Amazon ECR can pull through (a pull-through cache \
                     rule supports: {}); mirror its images instead (`mirror = true`)",
                    e.get_ref(),
                    crate::pull_through::known_upstreams()
                ),
            )),
        }
    }
    rules
}

/// `[images] pull_through`, and `mirror = true` (on the service, else `[images] mirror`): the
/// task definition's public images are replaced by their ECR names (through the cache, or the
/// copy) before any check runs.
fn mirror_images(
    cx: &Cx<'_>,
    r: &RawService,
    env: &Env<'_>,
    service: &str,
    td: &mut moat_model::TaskDefinition,
    extras: &TdExtras,
) -> Result<Vec<ImageMirror>, SpecError> {
    let flag = r.mirror.as_ref().or(env.mirror_all);
    let mirror = flag.is_some_and(|f| *f.get_ref());
    let cached = |image: &str| crate::pull_through::cache_path(image, env.pull_through).is_some();
    let affected = extras.images.iter().any(|(_, image, ..)| {
        matches!(classify_image(image), ImageRef::Public { .. }) && (mirror || cached(image))
    });
    if !affected {
        return Ok(Vec::new());
    }
    let Some(account) = env.account_id else {
        let (span, what, noun) = match flag.filter(|f| *f.get_ref()) {
            Some(f) => (f.span(), "mirror = true", "copies"),
            None => (
                env.pull_through_span.clone().unwrap_or_default(),
                "pull_through",
                "cached images",
            ),
        };
        return Err(cx.at(
            span,
            format!(
                "{what} needs `account_id`: the {noun} live in \
                 <account_id>.dkr.ecr.<region>.amazonaws.com, which the task definition must name"
            ),
        ));
    };
    Ok(crate::mirror::rewrite_public_images(
        service,
        td,
        &extras.images,
        (account, env.region),
        env.pull_through,
        mirror,
    ))
}

/// Reads and parses the service's task definition (paths are relative to the moat.toml). A
/// service without a readable task definition cannot be checked further: this is the one
/// error that stops its checks.
fn read_task_definition(
    cx: &Cx<'_>,
    r: &RawService,
    name: &str,
) -> Result<(PathBuf, moat_model::TaskDefinition, TdExtras), SpecError> {
    let base = cx.path.parent().unwrap_or_else(|| Path::new(""));
    let td_path: PathBuf = base.join(r.task_definition.get_ref());
    let td_text = std::fs::read_to_string(&td_path).map_err(|e| {
        cx.at(
            r.task_definition.span(),
            format!(
                "cannot read task definition `{}` ({}): {e}",
                r.task_definition.get_ref(),
                td_path.display()
            ),
        )
    })?;
    let td_file = td_path.display().to_string();
    let (td, extras) =
        parse_task_definition(&td_text, &td_file, name).map_err(|e| SpecError::Invalid {
            path: td_path.clone(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
    Ok((td_path, td, extras))
}

fn capacity(cx: &Cx<'_>, r: &RawService, prov: &mut Provenance) -> LaunchType {
    let Some(c) = &r.capacity else {
        return LaunchType::Fargate;
    };
    cx.set(prov, "capacity", c.span());
    match c.get_ref().as_str() {
        "fargate" => LaunchType::Fargate,
        "ec2" => LaunchType::Ec2,
        other => {
            let guess = crate::suggest::did_you_mean(other, &["fargate", "ec2"])
                .map(|g| format!("; did you mean `{g}`?"))
                .unwrap_or_default();
            cx.report(cx.at(
                c.span(),
                format!("invalid capacity `{other}`: expected `fargate` or `ec2`{guess}"),
            ));
            LaunchType::Fargate
        }
    }
}

/// The task definition must run where the service does, in awsvpc mode.
fn check_task_networking(
    cx: &Cx<'_>,
    td: &moat_model::TaskDefinition,
    td_path: &Path,
    name: &str,
    capacity: LaunchType,
) {
    let td_err = |line: Option<u32>, column: Option<u32>, message: String| SpecError::Invalid {
        path: td_path.to_path_buf(),
        line: line.unwrap_or(1),
        column: column.unwrap_or(1),
        message,
    };
    let compat = |want: &str| {
        td.requires_compatibilities
            .iter()
            .any(|c| c.known().is_some_and(|c| c == want))
    };
    let want = if capacity == LaunchType::Fargate {
        "FARGATE"
    } else {
        "EC2"
    };
    if !td.requires_compatibilities.is_empty() && !compat(want) {
        let p = td.prov.field("requires_compatibilities");
        cx.report(td_err(p.line, p.column, format!("service `{name}` runs on {} capacity but requiresCompatibilities does not include {want}", want.to_ascii_lowercase())));
    }
    if td.network_mode.known().is_some_and(|m| m != "awsvpc") {
        let p = td.prov.field("network_mode");
        cx.report(td_err(p.line, p.column, format!("networkMode must be `awsvpc`: moat places each task in the isolated subnets with its own security group (Fargate requires it too); got `{}`", td.network_mode.known().map_or("", |s| s.as_str()))));
    }
}

/// `desired_count` and `autoscaling`, consistent with each other.
fn scaling(cx: &Cx<'_>, r: &RawService, prov: &mut Provenance) -> (u32, Option<Autoscaling>) {
    let autoscaling = r.autoscaling.as_ref().map(|a| {
        cx.set(prov, "autoscaling", a.span());
        let ar = a.get_ref();
        let min: u32 = cx.or(int_in(cx, &ar.min, "autoscaling.min", 0, 10_000), 0);
        let mut max: u32 = cx.or(int_in(cx, &ar.max, "autoscaling.max", 1, 10_000), 1);
        if min > max {
            cx.report(cx.at(
                ar.min.span(),
                format!("autoscaling.min ({min}) is greater than autoscaling.max ({max})"),
            ));
            max = min;
        }
        let cpu_target = match &ar.cpu_target {
            None => 60,
            Some(c) => cx.or(
                int_in(cx, c, "autoscaling.cpu_target (percent)", 1, 100),
                60,
            ),
        };
        Autoscaling {
            min,
            max,
            cpu_target,
        }
    });
    let desired_count = match &r.desired_count {
        None => autoscaling.as_ref().map_or(1, |a| a.min),
        Some(d) => {
            cx.set(prov, "desired_count", d.span());
            let n: u32 = cx.or(int_in(cx, d, "desired_count", 0, 10_000), 1);
            if let Some(a) = &autoscaling {
                if n < a.min || n > a.max {
                    cx.report(cx.at(
                        d.span(),
                        format!(
                            "desired_count {n} is outside autoscaling min..max ({}..{})",
                            a.min, a.max
                        ),
                    ));
                }
            }
            n
        }
    };
    (desired_count, autoscaling)
}

/// What the tasks may reach beyond their task definition's needs: extra endpoints, S3 buckets
/// to read, customer managed KMS keys (which must be in the environment's region: a KMS key
/// is a regional resource and the VPC's `kms` endpoint serves only its own region,
/// <https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#kms_keys>).
fn access(
    cx: &Cx<'_>,
    r: &RawService,
    env: &Env<'_>,
    prov: &mut Provenance,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut extra_endpoints = Vec::new();
    let known: Vec<&str> = moat_catalog::SERVICES.iter().map(|s| s.name).collect();
    for e in &r.extra_endpoints {
        if moat_catalog::service(e.get_ref()).is_none() {
            cx.report(cx.at(
                e.span(),
                format!(
                    "unknown endpoint `{}`{}",
                    e.get_ref(),
                    crate::suggest::hint(e.get_ref(), &known)
                ),
            ));
            continue;
        }
        extra_endpoints.push(e.get_ref().clone());
    }
    if let Some(first) = r.extra_endpoints.first() {
        cx.set(prov, "extra_endpoints", first.span());
    }
    let mut s3_read_buckets = Vec::new();
    for b in &r.s3_read_buckets {
        if cx.flag(b, v::bucket(b.get_ref())) {
            s3_read_buckets.push(b.get_ref().clone());
        }
    }
    let mut kms_key_arns = Vec::new();
    for k in &r.kms_key_arns {
        let arn = k.get_ref();
        if !v::arn_of(arn, "kms") {
            cx.report(cx.at(k.span(), format!("invalid kms_key_arns entry `{arn}`: expected a KMS key ARN such as `arn:aws:kms:{}:123456789012:key/…`", env.region)));
            continue;
        }
        if let Some(other) = v::arn_region(arn).filter(|r| env.region_valid && *r != env.region) {
            cx.report(cx.at(k.span(), format!("KMS key `{arn}` is in {other}, but the environment is in {}: a KMS key is used in its own region only, and the VPC's kms endpoint serves {}; use a key (or a multi-Region replica) in {}", env.region, env.region, env.region)));
            continue;
        }
        kms_key_arns.push(arn.clone());
    }
    if let Some(first) = r.kms_key_arns.first() {
        cx.set(prov, "kms_key_arns", first.span());
        // A customer managed key is only usable through the kms endpoint.
        if !extra_endpoints.iter().any(|e| e == "kms") {
            extra_endpoints.push("kms".to_string());
        }
    }
    (extra_endpoints, s3_read_buckets, kms_key_arns)
}

fn ingress(
    cx: &Cx<'_>,
    i: &Spanned<RawIngress>,
    extras: &TdExtras,
    env: &Env<'_>,
) -> Result<Ingress, SpecError> {
    let r = i.get_ref();
    let port: u16 = int_in(cx, &r.port, "ingress.port", 1, 65535)?;
    let (container, container_port) = match (&r.container, &r.container_port) {
        (Some(c), cp) => {
            let name = c.get_ref();
            if !extras.images.iter().any(|(n, ..)| n == name) {
                let names: Vec<&str> = extras.images.iter().map(|(n, ..)| n.as_str()).collect();
                return Err(cx.at(c.span(), format!("ingress.container `{name}` is not in the task definition; its containers are: {}", names.join(", "))));
            }
            let mapped: Vec<u16> = extras
                .ports
                .iter()
                .filter(|(n, ..)| n == name)
                .map(|(_, p, ..)| *p)
                .collect();
            let port = match cp {
                Some(cp) => {
                    let p: u16 = int_in(cx, cp, "ingress.container_port", 1, 65535)?;
                    if !mapped.contains(&p) {
                        return Err(cx.at(cp.span(), format!("container `{name}` has no portMappings entry with containerPort {p}; add one to the task definition")));
                    }
                    p
                }
                None => *mapped.first().ok_or_else(|| cx.at(c.span(), format!("container `{name}` has no portMappings; add one to the task definition or set ingress.container_port")))?,
            };
            (name.clone(), port)
        }
        (None, cp) => {
            let Some((name, first, ..)) = extras.ports.first() else {
                return Err(cx.at(i.span(), "ingress needs a container port, but no container in the task definition has portMappings"));
            };
            let port = match cp {
                Some(cp) => {
                    let p: u16 = int_in(cx, cp, "ingress.container_port", 1, 65535)?;
                    if !extras.ports.iter().any(|(n, q, ..)| n == name && *q == p) {
                        return Err(cx.at(cp.span(), format!("container `{name}` has no portMappings entry with containerPort {p}")));
                    }
                    p
                }
                None => *first,
            };
            (name.clone(), port)
        }
    };
    // An NLB's TLS listener takes a certificate from ACM in the load balancer's own region:
    // <https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html>.
    let certificate_arn = match &r.certificate_arn {
        None => None,
        Some(c) if v::arn_of(c.get_ref(), "acm") && c.get_ref().contains(":certificate/") => {
            match v::arn_region(c.get_ref()).filter(|r| env.region_valid && *r != env.region) {
                Some(other) => {
                    cx.report(cx.at(c.span(), format!("certificate_arn `{}` is in {other}, but the NLB is in {}: a load balancer uses ACM certificates from its own region; request or import the certificate in {}", c.get_ref(), env.region, env.region)));
                    None
                }
                None => Some(c.get_ref().clone()),
            }
        }
        Some(c) => {
            cx.report(cx.at(c.span(), format!("invalid certificate_arn `{}`: expected an ACM certificate ARN such as `arn:aws:acm:{}:123456789012:certificate/…`", c.get_ref(), env.region)));
            None
        }
    };
    let tls = tls_mode(cx, r, certificate_arn.is_some())?;
    let mut allowed_principals = Vec::new();
    for p in &r.allowed_principals {
        if cx.flag(p, v::principal(p.get_ref())) {
            allowed_principals.push(p.get_ref().clone());
        }
    }
    Ok(Ingress {
        port,
        container,
        container_port,
        certificate_arn,
        tls,
        allowed_principals,
        acceptance_required: r.acceptance_required.as_ref().is_none_or(|a| *a.get_ref()),
    })
}

/// `tls`: where TLS ends. Without it, `terminate` when a certificate is given, else
/// `passthrough` (what moat did before the key existed). `terminate` and `reencrypt` need the
/// NLB's certificate; `passthrough` has no use for one.
fn tls_mode(cx: &Cx<'_>, r: &RawIngress, has_cert: bool) -> Result<crate::TlsMode, SpecError> {
    use crate::TlsMode;
    let Some(t) = &r.tls else {
        return Ok(if has_cert {
            TlsMode::Terminate
        } else {
            TlsMode::Passthrough
        });
    };
    let mode = match t.get_ref().as_str() {
        "passthrough" => TlsMode::Passthrough,
        "terminate" => TlsMode::Terminate,
        "reencrypt" => TlsMode::Reencrypt,
        other => {
            return Err(cx.at(
                t.span(),
                format!(
                    "unknown tls `{other}`: expected `passthrough`, `terminate` or `reencrypt`"
                ),
            ))
        }
    };
    match (mode, has_cert) {
        (TlsMode::Passthrough, true) => Err(cx.at(
            t.span(),
            "tls = \"passthrough\" forwards TLS to the task untouched, so certificate_arn would be unused: remove it, or use \"terminate\" or \"reencrypt\"",
        )),
        (TlsMode::Terminate | TlsMode::Reencrypt, false) => Err(cx.at(
            t.span(),
            format!(
                "tls = \"{}\" ends TLS at the NLB, which needs certificate_arn (an ACM certificate in the environment's region)",
                mode.as_str()
            ),
        )),
        _ => Ok(mode),
    }
}

/// The catalog problems that make a service unusable: a public image, an image in another
/// region's ECR, or another registry — unless the service runs on EC2 capacity and the egress
/// gateway admits that registry (the container instances' agent can pull through a proxy;
/// Fargate pulls from the task's ENI and has no proxy setting). Reported at the image's
/// position in the task definition file.
fn catalog_checks(
    td: &moat_model::TaskDefinition,
    extras: &TdExtras,
    td_path: &Path,
    env: &Env<'_>,
    capacity: LaunchType,
    execute_command: bool,
) -> Result<(), SpecError> {
    let (region, account_id, egress) = (env.region, env.account_id, env.egress);
    let needs = task_needs(
        td,
        &WorkloadContext {
            launch_type: capacity,
            execute_command,
            region: region.to_string(),
        },
    );
    for p in &needs.problems {
        let fatal = match p.kind {
            ProblemKind::PublicImage => true,
            ProblemKind::ForeignRegistry => {
                let image = p
                    .container
                    .as_ref()
                    .and_then(|c| extras.images.iter().find(|(n, ..)| n == c))
                    .map(|(_, i, ..)| i.as_str());
                match image.map(classify_image) {
                    Some(ImageRef::OtherRegistry { registry }) => {
                        let host = registry.split(':').next().unwrap_or_default();
                        capacity != LaunchType::Ec2
                            || !egress.is_some_and(|e| {
                                // an entry may name a port (`host:port`): compare hosts
                                e.allow.iter().any(|a| a.split(':').next() == Some(host))
                            })
                    }
                    _ => true,
                }
            }
            ProblemKind::Unknown => false,
            ProblemKind::CrossRegion => true,
        };
        if fatal {
            return Err(SpecError::Invalid {
                path: td_path.to_path_buf(),
                line: p.prov.line.unwrap_or(1),
                column: p.prov.column.unwrap_or(1),
                // The catalog writes `<account>` when the task definition does not name one;
                // the spec may.
                message: format!(
                    "{}\n  help: {}{}",
                    p.message,
                    p.help
                        .replace("<account>", account_id.unwrap_or("<account>"))
                        .replace('\n', "\n        "),
                    if p.kind == ProblemKind::PublicImage {
                        "\n  or: set `mirror = true` on the service: the task definition then \
                         names the ECR copy, which `moat image copy` makes"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    Ok(())
}
