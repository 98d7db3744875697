//! Draw a moat [`Model`] — and what is wrong with it — as a picture a reviewer can sign off.
//!
//! * [`to_dot`] turns the model and its [`Finding`]s into Graphviz DOT text: the region, the
//!   VPC with its CIDR, a column per availability zone holding its subnets, the ECS services'
//!   tasks in the subnets they run in (with their containers and images), one ENI per interface
//!   endpoint per subnet, the gateway endpoints on the route tables they serve, the load
//!   balancers, the endpoint service and the consumer accounts it allows, the egress gateway,
//!   any internet or NAT gateway (in red: an isolated VPC has none), and a legend that states
//!   plainly whether there is an internet gateway, a NAT gateway or a public IP. The output is
//!   deterministic: the same input gives the same bytes.
//! * [`render_svg`] runs Graphviz (`dot -Tsvg`) on it.
//! * [`html_report`] wraps a plan summary, the endpoint table, the findings, the SVG (with pan
//!   and zoom) and the reviewer's sections ([`Security`]: IAM per role, security groups and
//!   their rules, endpoint and bucket policies, the egress allowlist) in one self-contained
//!   HTML page (inline CSS, SVG and script, no external request).
//!
//! ```
//! use moat_diagram::{to_dot, DiagramOptions};
//! use moat_model::{Id, Maybe, Model, Provenance, Vpc};
//!
//! let mut m = Model::default();
//! m.region = Maybe::Known("eu-west-1".into());
//! m.vpcs.push(Vpc {
//!     id: Id::from("Vpc"),
//!     cidrs: vec![Maybe::Known("10.0.0.0/16".parse().unwrap())],
//!     dns_support: Maybe::Known(true),
//!     dns_hostnames: Maybe::Known(true),
//!     prov: Provenance::resource("Vpc"),
//! });
//! let dot = to_dot(&m, &[], &DiagramOptions::default());
//! assert!(dot.contains("Region eu-west-1"));
//! assert!(dot.contains("10.0.0.0/16"));
//! assert!(dot.contains("No internet gateway · No NAT gateway · No public IPs"));
//! // render_svg(&dot) needs Graphviz installed (Debian package `graphviz`).
//! ```
//!
//! # Drawing conventions
//!
//! | Shape | Meaning |
//! |---|---|
//! | grey rounded box | the region (`model.region`, `?` when unknown) |
//! | blue rounded box | a VPC, labelled with its CIDR blocks |
//! | dashed box | an availability zone column (`AZ ?` for subnets whose AZ is unknown) |
//! | green rounded box | a subnet, with its CIDR |
//! | cream rounded box | an ECS service's tasks in one subnet: name, launch type, desired count, `container: image` lines |
//! | lilac cut-corner box | the egress gateway's tasks (see [`EgressGateway`]); edge to the named outside hosts |
//! | blue table | a subnet's interface endpoint ENIs, a row per endpoint (`ecr.dkr`); one edge from a task to the table stands for TCP 443 to every row |
//! | blue ellipse | an interface endpoint ENI drawn alone (the only one in its subnet, or subnets unknown) |
//! | blue component | a gateway endpoint (S3, DynamoDB); edges from the route tables it serves |
//! | grey note | a route table and its non-local routes; dashed lines join it to its subnets |
//! | teal trapezium | a load balancer, with its scheme and listeners; edges to the tasks it targets |
//! | teal double box | a VPC endpoint service (PrivateLink); edge to its NLB |
//! | white tab | a consumer account (allowed principal) |
//! | red house | an internet or NAT gateway — it should not exist in an isolated VPC (an internet gateway routed from the egress gateway's own subnets alone is drawn lilac) |
//!
//! Edges carry the traffic: consumer → endpoint service → NLB → tasks (target group port);
//! task → endpoint ENI (TCP 443; to the ENI in the task's own subnet, else its AZ, else all;
//! edges to every row of a subnet's ENI table drawn as one);
//! route table → gateway endpoint (prefix list); route table → internet/NAT gateway (red);
//! a workload task whose containers set `HTTPS_PROXY`/`HTTP_PROXY` → the load balancer in front
//! of the egress gateway (`HTTPS_PROXY :3128`) → gateway tasks → named outside hosts.
//!
//! **Red** means a problem, and only that: a shape, box or edge is red when the model itself
//! shows something an isolated design must not have (internet/NAT gateway, a route to one, a
//! public subnet, a public IP, an internet-facing load balancer), or when a finding concerns it.
//! A finding is placed by its `prov.resource` and the resources of its path hops; the rules are
//! in the `mark` module's docs. Its code is appended to the label (`⚠ MOAT101`) and its message
//! is in the tooltip. A finding that concerns nothing drawn is listed in the legend, so none is
//! silently dropped. A **dashed outline** means part of the element is unknown in the source.

mod emit;
mod escape;
mod facts;
mod group;
mod html;
mod layout;
mod mark;
mod scene;
mod sections;
mod security;
mod svg;

pub use facts::{isolation_facts, isolation_statement, Fact};
pub use html::{html_report, EndpointRow, Report};
pub use security::{
    bucket_policies, EgressAllowlist, PolicyText, RoleRows, RuleRow, Security, SecurityGroupRows,
    StatementRow,
};
pub use svg::{render_svg, render_svg_with};

use moat_model::{Finding, Model};

/// Which ECS services are the egress gateway (drawn as cut-corner boxes, and joined to
/// [`DiagramOptions::egress_hosts`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EgressGateway {
    /// A service whose id or name contains `gate` or `egress` (case-insensitive). A heuristic:
    /// set [`EgressGateway::Services`] when the spec knows better.
    #[default]
    Guess,
    /// Exactly these services, by model id or service name.
    Services(Vec<String>),
    /// No service is the egress gateway.
    None,
}

/// Flow of the drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Consumers at the top, endpoints and route tables below; availability zones side by side.
    #[default]
    TopDown,
    LeftRight,
}

/// How to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiagramOptions {
    /// Title above the picture (default `moat: network`).
    pub title: Option<String>,
    /// Which services are the egress gateway.
    pub egress_gateway: EgressGateway,
    /// The outside hosts the egress gateway lets through (from the spec), drawn as one shape it
    /// points to. Empty: not drawn.
    pub egress_hosts: Vec<String>,
    pub direction: Direction,
}

/// Graphviz DOT for `model`, with `findings` drawn in red on what they concern.
///
/// Deterministic: elements are emitted in model order (availability zones sorted by name), and
/// nothing depends on hashing or time.
pub fn to_dot(model: &Model, findings: &[Finding], opts: &DiagramOptions) -> String {
    let mut scene = scene::build(model, opts);
    let unplaced = mark::mark(&mut scene, findings);
    let facts = isolation_facts(model);
    emit::emit(&scene, &facts, &unplaced, opts.direction)
}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "Graphviz `{program}` was not found; install it (Debian/Ubuntu: `apt-get install -y graphviz`, \
         macOS: `brew install graphviz`)"
    )]
    DotMissing { program: String },
    #[error("could not run Graphviz `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not talk to Graphviz `{program}`: {source}")]
    Io {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("Graphviz `{program} -Tsvg` failed ({status}): {stderr}")]
    DotFailed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("Graphviz `{program}` wrote SVG that is not UTF-8 (at byte {offset})")]
    NotUtf8 { program: String, offset: usize },
}
