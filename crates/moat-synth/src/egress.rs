//! The egress gateway (`[egress]` in the spec): `moat gate` as a Fargate service of its own.
//!
//! The gateway is planned as one more service, built from a task definition moat writes, so the
//! same catalog derives what it needs (ECR, S3 layers, logs) and the same template code emits
//! it. What sets it apart is where it runs: in egress subnets of its own — the only subnets
//! with a route out (to an internet gateway) — with a public IP, reachable by the workloads
//! only through an internal NLB on the proxy port. The workload containers get `HTTPS_PROXY`,
//! `HTTP_PROXY` and `NO_PROXY`; their subnets keep no route out, which `moat check` proves.
//!
//! Why an internet gateway and a public IP rather than a NAT gateway: the gateway task is the
//! only thing in those subnets, its security group admits nothing from outside the VPC, and a
//! NAT gateway would add ~32 USD per AZ-month for no isolation gained. Sources:
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html>
//! (a Fargate task in a public subnet needs a public IP to reach the internet) and
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>.

use crate::plan::PlanProblem;
use crate::subnets::PlannedSubnet;
use moat_model::LaunchType;
use moat_spec::{EgressSpec, ServiceSpec, Spec};
use serde::Serialize;
use serde_json::json;

/// The gateway's service name (and the stem of its resources).
pub const GATEWAY_SERVICE: &str = "egress-gateway";
/// The port the gateway's HTTP proxy listens on, and the NLB's listener port.
pub const PROXY_PORT: u16 = 3128;
/// The ECR repository the default gateway image lives in.
pub const GATEWAY_REPOSITORY: &str = "moat-gate";
/// The gateway container's name.
pub const GATEWAY_CONTAINER: &str = "gate";

/// What the template needs to know about the gateway beyond its service.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedEgress {
    pub mode: String,
    pub allow: Vec<String>,
    pub image: String,
    /// One per AZ, in the blocks the task subnets leave free for them.
    pub subnets: Vec<PlannedSubnet>,
    pub port: u16,
    /// The ports the gateway's security group lets out to the internet: the ports the
    /// allow entries name, and 443 and 80 for an entry without a port (the gateway's
    /// CONNECT tunnels and plain-HTTP requests to it use those by default).
    pub egress_ports: Vec<u16>,
    /// `NO_PROXY` for the workload containers: what must not go through the gateway.
    pub no_proxy: String,
}

/// `NO_PROXY`: the task metadata and credentials endpoints (169.254.170.2), the instance
/// metadata address, loopback, the VPC itself, and every AWS service name (reached through the
/// VPC endpoints, whose private DNS answers with addresses inside the VPC). Source for
/// 169.254.170.2: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html>.
/// Clients read CIDRs in `NO_PROXY` differently (Go and curl ≥ 7.86 do; some do not), so
/// the AWS names are listed as a domain suffix too.
fn no_proxy(vpc_cidr: &str) -> String {
    [
        "localhost",
        "127.0.0.1",
        "169.254.169.254",
        "169.254.170.2",
        vpc_cidr,
        ".amazonaws.com",
    ]
    .join(",")
}

/// The ports the allow entries need (see [`PlannedEgress::egress_ports`]). The
/// entries were validated by the spec (moat-allow); one that does not parse adds nothing.
pub fn egress_ports(allow: &[String]) -> Vec<u16> {
    let mut ports: Vec<u16> = allow
        .iter()
        .filter_map(|a| moat_allow::parse_entry(a).ok())
        .flat_map(|e| match e.port {
            Some(p) => vec![p],
            None => vec![443, 80],
        })
        .collect();
    // 443 and 80 first (the template's order before ports followed the entries), then
    // the rest ascending.
    ports.sort_unstable_by_key(|&p| (p != 443, p != 80, p));
    ports.dedup();
    ports
}

/// The gateway's task definition, in the `register-task-definition` shape a user would write.
/// 0.25 vCPU / 0.5 GB: the gateway is an async proxy (see bench/gate for its rates).
fn task_definition(spec: &Spec, e: &EgressSpec, image: &str) -> serde_json::Value {
    let group = format!("/moat/{}/egress-gateway", spec.name);
    json!({
        "family": format!("{}-{GATEWAY_SERVICE}", spec.name),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": GATEWAY_CONTAINER,
            "image": image,
            "essential": true,
            "readonlyRootFilesystem": true,
            "portMappings": [{ "containerPort": PROXY_PORT, "protocol": "tcp" }],
            "command": [
                "--proxy-listen", format!("0.0.0.0:{PROXY_PORT}"),
                "--mode", e.mode,
            ],
            // The allowlist travels in the environment (a Fargate task cannot mount a file):
            // `moat gate` reads MOAT_GATE_ALLOW as comma-separated --allow entries. Decisions
            // are logged as JSON lines on stderr, which awslogs ships.
            "environment": [{ "name": "MOAT_GATE_ALLOW", "value": e.allow.join(",") }],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": group,
                    "awslogs-region": spec.region,
                    "awslogs-stream-prefix": "gate"
                }
            }
        }]
    })
}

/// The gateway as a service to plan, its task definition JSON, and what the template needs.
pub(crate) fn gateway(
    spec: &Spec,
    e: &EgressSpec,
    subnets: Vec<PlannedSubnet>,
) -> Result<(ServiceSpec, serde_json::Value, PlannedEgress), Box<PlanProblem>> {
    let prov = spec.prov.field("egress");
    let problem = |message: String, help: &str| {
        Box::new(PlanProblem {
            service: GATEWAY_SERVICE.into(),
            message,
            help: help.into(),
            prov: prov.clone(),
        })
    };
    if spec.services.iter().any(|s| s.name == GATEWAY_SERVICE) {
        return Err(problem(
            format!(
                "a service is named `{GATEWAY_SERVICE}`, the name of the egress gateway's service"
            ),
            "rename that service",
        ));
    }
    let image = match (&e.image, &spec.account_id) {
        (Some(i), _) => i.clone(),
        (None, Some(account)) => format!(
            "{account}.dkr.ecr.{}.amazonaws.com/{GATEWAY_REPOSITORY}:latest",
            spec.region
        ),
        (None, None) => {
            return Err(problem(
                "the egress gateway needs an image in this account's private ECR, and the spec names neither `egress.image` nor `account_id`".into(),
                "set `account_id` (the image is then <account>.dkr.ecr.<region>.amazonaws.com/moat-gate:latest; build it with docker/gate.Dockerfile) or `egress.image`",
            ))
        }
    };
    let json = task_definition(spec, e, &image);
    let file = format!("{} [egress]", spec.path.display());
    let text = json.to_string();
    let (td, _) = moat_spec::taskdef::parse_task_definition(&text, &file, GATEWAY_SERVICE)
        .map_err(|err| {
            problem(
                format!("internal: the gateway task definition: {}", err.message),
                "report this as a moat bug",
            )
        })?;
    let svc = ServiceSpec {
        name: GATEWAY_SERVICE.into(),
        task_definition_path: file.into(),
        task_definition: td,
        // One task per AZ: a workload keeps its way out when an AZ goes.
        desired_count: u32::from(spec.az_count).max(2),
        autoscaling: None,
        capacity: LaunchType::Fargate,
        execute_command: false,
        ingress: None,
        extra_endpoints: Vec::new(),
        s3_read_buckets: Vec::new(),
        prov,
    };
    let planned = PlannedEgress {
        mode: e.mode.clone(),
        allow: e.allow.clone(),
        image,
        subnets,
        port: PROXY_PORT,
        egress_ports: egress_ports(&e.allow),
        no_proxy: no_proxy(&spec.vpc_cidr.trunc().to_string()),
    };
    Ok((svc, json, planned))
}

#[cfg(test)]
mod ports_tests {
    use super::egress_ports;

    #[test]
    fn ports_follow_the_allow_entries() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(egress_ports(&s(&["a.example.com"])), [443, 80]);
        assert_eq!(egress_ports(&s(&["a.example.com:443"])), [443]);
        assert_eq!(
            egress_ports(&s(&[
                "lic.example.com:8443",
                "*.example.org:443",
                "x.test:25"
            ])),
            [443, 25, 8443]
        );
        assert!(egress_ports(&[]).is_empty());
    }
}
