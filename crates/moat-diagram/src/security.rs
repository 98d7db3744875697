//! What a security reviewer reads beside the picture, taken from the model as plain rows: IAM
//! per role (what each grants, to whom), security groups and their rules, endpoint policies,
//! bucket policies, and the egress gateway's allowlist. [`crate::html_report`] renders them.
//!
//! Unknown values stay visible as `?` with their reason: a row never reads as narrower than
//! the source says.

use moat_model::{Maybe, Model, Peer, Protocol, SgRule, Statement, VpcEndpoint};

/// The reviewer's sections of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    pub roles: Vec<RoleRows>,
    pub security_groups: Vec<SecurityGroupRows>,
    pub endpoint_policies: Vec<PolicyText>,
    /// `AWS::S3::BucketPolicy` documents of the source; `None` when the source was not read for
    /// them (the section then says so rather than "none").
    pub bucket_policies: Option<Vec<PolicyText>>,
    /// The egress gateway's allowlist; `None` when the model has no egress gateway.
    pub egress: Option<EgressAllowlist>,
}

/// One IAM role: who may assume it, who uses it, what it grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRows {
    pub id: String,
    /// Role name or ARN when the source gives one.
    pub name: Option<String>,
    /// Services allowed to assume it, with a note on the confused-deputy condition.
    pub trust: String,
    /// `task definition X (execution role)`, `… (task role)`.
    pub used_by: Vec<String>,
    pub managed_policies: Vec<String>,
    pub statements: Vec<StatementRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementRow {
    /// `Allow` or `Deny`.
    pub effect: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityGroupRows {
    pub id: String,
    /// `service X`, `endpoint Y`, `load balancer Z`.
    pub attached_to: Vec<String>,
    pub ingress: Vec<RuleRow>,
    pub egress: Vec<RuleRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleRow {
    /// `TCP`, `UDP`, `all`, …
    pub protocol: String,
    /// `443`, `1024-65535`, `all`.
    pub ports: String,
    /// `10.0.0.0/16`, `security group EndpointSG`, `prefix list pl-…`.
    pub peer: String,
    /// The rule opens to the whole IPv4 or IPv6 internet (`0.0.0.0/0`, `::/0`).
    pub anywhere: bool,
}

/// A resource policy, as the reviewer reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyText {
    /// The resource holding the policy (`S3GatewayEndpoint`).
    pub resource: String,
    /// What it governs (`com.amazonaws.eu-west-1.s3`, a bucket).
    pub applies_to: String,
    /// Pretty-printed JSON, or a sentence when there is no document (the default policy) or it
    /// cannot be told.
    pub document: String,
    /// `document` is a sentence, not JSON.
    pub is_note: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressAllowlist {
    /// `enforce` / `discover` when the caller knows it (the spec); the model does not hold it.
    pub mode: Option<String>,
    /// The names the gateway lets through; `None` when the model does not show them.
    pub hosts: Option<Vec<String>>,
    /// Where the list was read (`MOAT_GATE_ALLOW of task definition X`, `the spec's [egress]`).
    pub source: String,
}

/// The environment variable `moat gate` reads its allowlist from (comma-separated).
const GATE_ALLOW_VAR: &str = "MOAT_GATE_ALLOW";

/// The default policy of an endpoint created without one allows full access.
/// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
const DEFAULT_ENDPOINT_POLICY: &str = "No policy document: the default endpoint policy applies, \
     which allows any principal every action on every resource of the service through this endpoint.";

fn show(m: &Maybe<String>) -> String {
    match m {
        Maybe::Known(v) => v.clone(),
        Maybe::Unknown(why) => format!("? ({why})"),
    }
}

impl Security {
    /// Everything the model shows. Bucket policies are not in the model: set
    /// [`Security::bucket_policies`] from the template ([`bucket_policies`]).
    pub fn from_model(model: &Model) -> Security {
        Security {
            roles: model.roles.iter().map(|r| role_rows(model, r)).collect(),
            security_groups: model
                .security_groups
                .iter()
                .map(|sg| SecurityGroupRows {
                    id: sg.id.0.clone(),
                    attached_to: attachments(model, &sg.id.0),
                    ingress: sg.ingress.iter().map(|r| rule_row(model, r)).collect(),
                    egress: sg.egress.iter().map(|r| rule_row(model, r)).collect(),
                })
                .collect(),
            endpoint_policies: model.endpoints.iter().map(endpoint_policy).collect(),
            bucket_policies: None,
            egress: egress_allowlist(model),
        }
    }
}

fn role_rows(model: &Model, r: &moat_model::Role) -> RoleRows {
    let mut used_by = Vec::new();
    for td in &model.task_definitions {
        for (which, role) in [
            ("execution role", &td.execution_role),
            ("task role", &td.task_role),
        ] {
            if role
                .as_ref()
                .and_then(|m| m.known())
                .is_some_and(|s| names_role(s, r))
            {
                used_by.push(format!("task definition {} ({which})", td.id));
            }
        }
    }
    let trust = if r.trusted_services.is_empty() {
        "no service principal in the trust policy".to_string()
    } else {
        format!(
            "{}{}",
            r.trusted_services.join(", "),
            if r.trust_has_source_conditions {
                " (limited by aws:SourceAccount / aws:SourceArn)"
            } else {
                " (no aws:SourceAccount / aws:SourceArn condition)"
            }
        )
    };
    RoleRows {
        id: r.id.0.clone(),
        name: r.arn.known().cloned(),
        trust,
        used_by,
        managed_policies: r.managed_policy_arns.iter().map(show).collect(),
        statements: r.statements.iter().map(statement_row).collect(),
    }
}

/// A task definition names a role by model id, role name or ARN (`…:role/path/name`).
fn names_role(reference: &str, r: &moat_model::Role) -> bool {
    reference == r.id.0
        || r.arn.known().is_some_and(|a| {
            a == reference
                || reference.ends_with(&format!("/{a}"))
                || a.ends_with(&format!("/{reference}"))
        })
}

fn statement_row(s: &Statement) -> StatementRow {
    StatementRow {
        effect: if s.allow { "Allow" } else { "Deny" }.into(),
        actions: s.actions.iter().map(show).collect(),
        resources: s.resources.iter().map(show).collect(),
    }
}

/// What uses a security group: services, endpoints, load balancers.
fn attachments(model: &Model, sg: &str) -> Vec<String> {
    let has =
        |list: &[Maybe<moat_model::Id>]| list.iter().any(|m| m.known().is_some_and(|i| i.0 == sg));
    let mut out = Vec::new();
    for s in model.services.iter().filter(|s| has(&s.security_groups)) {
        let name = s.name.known().cloned().unwrap_or_else(|| s.id.0.clone());
        out.push(format!("service {name}"));
    }
    for e in model.endpoints.iter().filter(|e| has(&e.security_groups)) {
        out.push(format!("endpoint {}", e.id));
    }
    for lb in model
        .load_balancers
        .iter()
        .filter(|l| has(&l.security_groups))
    {
        out.push(format!("load balancer {}", lb.id));
    }
    out
}

fn rule_row(model: &Model, r: &SgRule) -> RuleRow {
    let protocol = match &r.protocol {
        Maybe::Known(Protocol::All) => "all".to_string(),
        Maybe::Known(Protocol::Tcp) => "TCP".into(),
        Maybe::Known(Protocol::Udp) => "UDP".into(),
        Maybe::Known(Protocol::Icmp) => "ICMP".into(),
        Maybe::Known(Protocol::Icmpv6) => "ICMPv6".into(),
        Maybe::Known(Protocol::Other(n)) => format!("protocol {n}"),
        Maybe::Unknown(why) => format!("? ({why})"),
    };
    let ports = match &r.ports {
        Maybe::Known(None) => "all".to_string(),
        Maybe::Known(Some(p)) if p.from == p.to => p.from.to_string(),
        Maybe::Known(Some(p)) => format!("{}-{}", p.from, p.to),
        Maybe::Unknown(why) => format!("? ({why})"),
    };
    let (peer, anywhere) = match &r.peer {
        Maybe::Known(Peer::Cidr(c)) => (c.to_string(), c.prefix_len() == 0),
        Maybe::Known(Peer::SecurityGroup(g)) => (
            format!(
                "security group {}",
                g.known().map_or("?".into(), |i| i.0.clone())
            ),
            false,
        ),
        Maybe::Known(Peer::PrefixList(p)) => (crate::scene::prefix_list_text(model, p), false),
        Maybe::Unknown(why) => (format!("? ({why})"), false),
    };
    RuleRow {
        protocol,
        ports,
        peer,
        anywhere,
    }
}

fn endpoint_policy(e: &VpcEndpoint) -> PolicyText {
    let (document, is_note) = match &e.policy {
        None => (DEFAULT_ENDPOINT_POLICY.to_string(), true),
        Some(Maybe::Known(doc)) => (
            serde_json::to_string_pretty(doc).unwrap_or_else(|_| doc.to_string()),
            false,
        ),
        Some(Maybe::Unknown(why)) => (
            format!("The policy cannot be told from the source: {why}"),
            true,
        ),
    };
    PolicyText {
        resource: e.id.0.clone(),
        applies_to: show(&e.service),
        document,
        is_note,
    }
}

/// The allowlist the egress gateway's containers carry in `MOAT_GATE_ALLOW`.
fn egress_allowlist(model: &Model) -> Option<EgressAllowlist> {
    let gateways: Vec<_> = model.services.iter().filter(|s| s.egress_gateway).collect();
    if gateways.is_empty() {
        return None;
    }
    for svc in &gateways {
        let Some(td) = svc
            .task_definition
            .known()
            .and_then(|t| model.task_definition(t))
        else {
            continue;
        };
        for c in &td.containers {
            for (k, v) in &c.environment {
                if k != GATE_ALLOW_VAR {
                    continue;
                }
                let hosts = v.known().map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|h| !h.is_empty())
                        .map(str::to_string)
                        .collect()
                });
                return Some(EgressAllowlist {
                    mode: None,
                    hosts,
                    source: format!("{GATE_ALLOW_VAR} of task definition {}", td.id),
                });
            }
        }
    }
    Some(EgressAllowlist {
        mode: None,
        hosts: None,
        source: format!(
            "the egress gateway's task definition sets no {GATE_ALLOW_VAR}; its allowlist comes from a file or the command line, which the source does not show"
        ),
    })
}

/// The `AWS::S3::BucketPolicy` resources of a template in JSON form (what `moat synth` writes
/// with `--format json`, or a JSON template): the bucket it names (a literal, or the `Ref` /
/// intrinsic as written) and its document.
pub fn bucket_policies(template: &serde_json::Value) -> Vec<PolicyText> {
    let Some(resources) = template.get("Resources").and_then(|r| r.as_object()) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(|t| t.as_str()) == Some("AWS::S3::BucketPolicy"))
        .map(|(id, r)| {
            let props = r.get("Properties");
            let bucket = props.and_then(|p| p.get("Bucket"));
            let applies_to = match bucket {
                Some(serde_json::Value::String(b)) => format!("bucket {b}"),
                Some(serde_json::Value::Object(o)) if o.contains_key("Ref") => {
                    format!("bucket {}", o["Ref"].as_str().unwrap_or("?"))
                }
                Some(other) => format!("bucket {other}"),
                None => "bucket ? (no Bucket property)".into(),
            };
            match props.and_then(|p| p.get("PolicyDocument")) {
                Some(doc) => PolicyText {
                    resource: id.clone(),
                    applies_to,
                    document: serde_json::to_string_pretty(doc).unwrap_or_else(|_| doc.to_string()),
                    is_note: false,
                },
                None => PolicyText {
                    resource: id.clone(),
                    applies_to,
                    document: "No PolicyDocument property.".into(),
                    is_note: true,
                },
            }
        })
        .collect()
}
