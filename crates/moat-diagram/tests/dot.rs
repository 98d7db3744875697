//! The DOT text: what is drawn, what is red, and that the output is stable.

mod common;

use common::{id, k};
use moat_diagram::{to_dot, DiagramOptions, EgressGateway};
use moat_model::*;

/// The DOT line declaring the node whose label starts with `label` (labels are the first
/// attribute we write).
fn node_line<'a>(dot: &'a str, label: &str) -> Vec<&'a str> {
    let needle = format!("[label=\"{label}");
    dot.lines().filter(|l| l.contains(&needle)).collect()
}

/// The DOT node name (`n12`) of every node whose label starts with `label`; for an endpoint
/// ENI drawn as a row of its subnet's table, the row (`e0:n12`).
fn node_names(dot: &str, label: &str) -> Vec<String> {
    let mut names: Vec<String> = node_line(dot, label)
        .iter()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.extend(
        eni_rows(dot, label)
            .into_iter()
            .map(|(t, r)| format!("{t}:{r}")),
    );
    names
}

/// The cell markup of every ENI table row whose text starts with `label` (`<TD PORT=…>…</TD>`).
fn eni_cells<'a>(dot: &'a str, label: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    for l in dot.lines().filter(|l| l.contains("endpoint ENIs</FONT>")) {
        for (at, _) in l.match_indices("<TD PORT=") {
            let cell = &l[at..at + l[at..].find("</TD>").unwrap()];
            let text = cell.split_once('>').unwrap().1;
            let text = match text.strip_prefix("<FONT") {
                Some(rest) => rest.split_once('>').unwrap().1,
                None => text,
            };
            if text.starts_with(label) {
                out.push(cell);
            }
        }
    }
    out
}

/// `(table, port)` of every ENI table row whose text starts with `label`.
fn eni_rows(dot: &str, label: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for l in dot.lines().filter(|l| l.contains("endpoint ENIs</FONT>")) {
        let table = l.split_whitespace().next().unwrap().to_string();
        for cell in l.split("<TD PORT=\"").skip(1) {
            let port = cell.split('"').next().unwrap().to_string();
            let text = cell.split_once('>').unwrap().1;
            let text = match text.strip_prefix("<FONT") {
                Some(rest) => rest.split_once('>').unwrap().1,
                None => text,
            };
            if text.starts_with(label) {
                out.push((table.clone(), port));
            }
        }
    }
    out
}

/// Edges from a shape labelled `from` to one labelled `to`; an edge to a whole ENI table
/// (a task's edges to every row, merged) counts as an edge to each of its rows.
fn edges_between<'a>(dot: &'a str, from: &str, to: &str) -> Vec<&'a str> {
    let (f, mut t) = (node_names(dot, from), node_names(dot, to));
    t.extend(eni_rows(dot, to).into_iter().map(|(table, _)| table));
    dot.lines()
        .filter(|l| {
            let l = l.trim();
            f.iter().any(|a| {
                t.iter().any(|b| {
                    l.starts_with(&format!("{a} -> {b} "))
                        // Written head first so the head ranks above (a task → a load balancer).
                        || (l.starts_with(&format!("{b} -> {a} ")) && l.contains("dir=back"))
                })
            })
        })
        .collect()
}

const RED: &str = "#c0392b";

#[test]
fn draws_region_vpc_az_columns_subnets_tasks_and_endpoints() {
    let dot = to_dot(&common::isolated(), &[], &DiagramOptions::default());
    assert!(dot.starts_with("digraph moat {"));
    assert!(dot.contains("label=\"Region us-east-1\""));
    assert!(dot.contains("VPC Vpc\\l10.20.0.0/16\\l"));
    assert!(dot.contains("label=\"AZ us-east-1a\""));
    assert!(dot.contains("label=\"AZ us-east-1b\""));
    assert!(dot.contains("subnet PrivateSubnetA\\l10.20.0.0/24\\l"));
    // One task shape per subnet the service runs in, with its container image.
    let tasks = node_line(
        &dot,
        "orders\\nFargate · 2 tasks\\napp: orders:1.4.2 (ECR)\"",
    );
    assert_eq!(tasks.len(), 2, "{dot}");
    // The label names the repository; the full image reference is in the tooltip.
    assert!(tasks.iter().all(|l| l
        .contains("tooltip=\"ECS service OrdersService\\ntask definition OrdersTaskDef\\napp: 123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2")));
    // One ENI per interface endpoint per subnet, named by short service name.
    for svc in ["ecr.api", "ecr.dkr", "logs"] {
        assert_eq!(node_names(&dot, svc).len(), 2, "{svc} ENIs");
        // Each task reaches the ENI in its own subnet only: 2 edges, not 4.
        let e = edges_between(&dot, "orders", svc);
        assert_eq!(e.len(), 2, "{svc}: {e:?}");
        assert!(e.iter().all(|l| l.contains("TCP 443")), "{e:?}");
    }
    // Route table -> S3 gateway endpoint.
    assert_eq!(
        edges_between(&dot, "route table PrivateRouteTable", "s3 gateway endpoint").len(),
        1
    );
    // Consumer -> endpoint service -> NLB -> tasks.
    assert_eq!(
        edges_between(
            &dot,
            "consumer account\\n111122223333",
            "endpoint service IngressService"
        )
        .len(),
        1
    );
    assert_eq!(
        edges_between(&dot, "endpoint service IngressService", "NLB IngressNlb").len(),
        1
    );
    let nlb = edges_between(&dot, "NLB IngressNlb", "orders");
    assert_eq!(nlb.len(), 2);
    // The target group's port on each edge's tooltip, written once as a label (same tail).
    assert!(nlb.iter().all(|l| l.contains("via target group")));
    assert_eq!(
        nlb.iter()
            .filter(|l| l.contains("label=\"TCP 8080\""))
            .count(),
        1
    );
    // Nothing is red in a clean isolated model.
    assert!(!dot.contains(RED), "{dot}");
    assert!(dot.contains("No internet gateway · No NAT gateway · No public IPs"));
}

#[test]
fn internet_gateway_is_drawn_red_and_the_statement_changes() {
    let dot = to_dot(&common::with_internet(), &[], &DiagramOptions::default());
    assert!(!dot.contains("No internet gateway"), "{dot}");
    assert!(dot.contains("Internet gateway: InternetGateway"));
    // The other two facts still hold and are still said.
    assert!(dot.contains("No NAT gateway"));
    assert!(dot.contains("No public IPs"));
    let igw = node_line(&dot, "internet gateway\\nInternetGateway");
    assert_eq!(igw.len(), 1);
    assert!(igw[0].contains(RED));
    let route = edges_between(&dot, "route table PrivateRouteTable", "internet gateway");
    assert_eq!(route.len(), 1);
    assert!(
        route[0].contains(RED) && route[0].contains("0.0.0.0/0"),
        "{route:?}"
    );
    // The route table shows the route and is red.
    let rt = node_line(&dot, "route table PrivateRouteTable");
    assert!(
        rt[0].contains("0.0.0.0/0 → igw InternetGateway") && rt[0].contains(RED),
        "{rt:?}"
    );
}

/// The egress zone's internet gateway, route and public IP are stated, not flagged; once a
/// workload shares the zone's subnet they are flagged again (as moat check does).
#[test]
fn egress_zone_is_stated_not_flagged_until_a_workload_joins_it() {
    let m = common::with_egress_zone();
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(
        dot.contains(
            "Internet gateway for the egress gateway&#39;s subnets only (EgressRouteTable)"
        ),
        "{dot}"
    );
    assert!(dot.contains("No public IPs"), "{dot}");
    for label in [
        "internet gateway\\nInternetGateway",
        "route table EgressRouteTable",
        "gate (egress gateway)",
    ] {
        let line = node_line(&dot, label);
        assert_eq!(line.len(), 1, "{label}: {dot}");
        assert!(!line[0].contains(RED), "{label} is red: {line:?}");
    }

    let mut m = m;
    m.services[0].subnets.push(k(id("EgressSubnet")));
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(dot.contains("Internet gateway: InternetGateway"), "{dot}");
    assert!(node_line(&dot, "route table EgressRouteTable")[0].contains(RED));
    assert!(node_line(&dot, "internet gateway\\nInternetGateway")[0].contains(RED));
}

#[test]
fn workloads_that_set_a_proxy_are_drawn_to_the_gateway_load_balancer() {
    let mut m = common::with_egress_zone();
    // The gateway behind its own internal NLB on TCP 3128.
    m.target_groups.push(TargetGroup {
        id: id("GateTG"),
        port: k(3128),
        protocol: k("TCP".into()),
        target_type: k("ip".into()),
        vpc: k(id("Vpc")),
        prov: Provenance::resource("GateTG"),
    });
    m.load_balancers.push(LoadBalancer {
        id: id("GateNlb"),
        kind: k(LoadBalancerKind::Network),
        internal: k(true),
        subnets: vec![k(id("PrivateSubnetA")), k(id("PrivateSubnetB"))],
        security_groups: vec![],
        prov: Provenance::resource("GateNlb"),
    });
    m.listeners.push(Listener {
        id: id("GateListener"),
        load_balancer: k(id("GateNlb")),
        port: k(3128),
        protocol: k("TCP".into()),
        certificates: vec![],
        target_groups: vec![k(id("GateTG"))],
        prov: Provenance::resource("GateListener"),
    });
    let gate = m.services.iter_mut().find(|s| s.id == id("GateService"));
    gate.unwrap().target_groups.push(k(id("GateTG")));
    // No proxy variable yet: no edge from the workload to the gateway's NLB.
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert_eq!(node_names(&dot, "NLB GateNlb").len(), 1, "{dot}");
    assert!(edges_between(&dot, "orders", "NLB GateNlb").is_empty());
    assert_eq!(
        edges_between(&dot, "NLB GateNlb", "gate (egress gateway)").len(),
        1
    );

    // The gateway shares the workload's task definition in this fixture: give the workload
    // one of its own that sets HTTPS_PROXY.
    let mut td = m.task_definitions[0].clone();
    td.id = id("ProxiedTD");
    td.containers[0].environment = vec![(
        "HTTPS_PROXY".into(),
        Maybe::unknown("Fn::Sub of GateNlb.DNSName"),
    )];
    m.task_definitions.push(td);
    m.services[0].task_definition = k(id("ProxiedTD"));
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    let e = edges_between(&dot, "orders", "NLB GateNlb");
    assert_eq!(e.len(), 2, "one per task shape: {dot}");
    assert!(e.iter().all(|l| l.contains("sets HTTPS_PROXY")), "{e:?}");
    // The same label on two edges into the NLB is written once.
    assert_eq!(
        e.iter()
            .filter(|l| l.contains("label=\"HTTPS_PROXY :3128\""))
            .count(),
        1,
        "{e:?}"
    );
    assert!(e.iter().all(|l| !l.contains(RED)), "{e:?}");
    // The ingress NLB, which fronts no gateway, gets no proxy edge.
    assert!(edges_between(&dot, "orders", "NLB IngressNlb").is_empty());
}

#[test]
fn nat_gateway_and_public_ips_are_stated() {
    let mut m = common::isolated();
    m.nat_gateways.push(NatGateway {
        id: id("Nat"),
        subnet: k(id("PrivateSubnetA")),
        public: k(true),
        prov: Provenance::resource("Nat"),
    });
    m.services[0].assign_public_ip = k(true);
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(dot.contains("No internet gateway"));
    assert!(dot.contains("NAT gateway: Nat"));
    assert!(dot.contains("Public IPs: service OrdersService assigns public IPs"));
    assert!(node_line(&dot, "NAT gateway\\nNat")[0].contains(RED));
    assert!(node_line(&dot, "orders").iter().all(|l| l.contains(RED)));
}

#[test]
fn unknown_public_ip_setting_is_not_claimed_absent() {
    let mut m = common::isolated();
    m.subnets[0].map_public_ip = Maybe::unknown("parameter MapPublic has no default");
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(!dot.contains("No public IPs"));
    assert!(dot.contains(
        "Public IPs: cannot tell (subnet PrivateSubnetA: parameter MapPublic has no default)"
    ));
}

#[test]
fn blocked_path_finding_reddens_only_the_edges_it_concerns() {
    let dot = to_dot(
        &common::isolated(),
        &[common::blocked_ecr_dkr()],
        &DiagramOptions::default(),
    );
    let dkr = edges_between(&dot, "orders", "ecr.dkr");
    assert_eq!(dkr.len(), 2);
    for e in &dkr {
        assert!(e.contains(RED) && e.contains("⚠ MOAT201"), "{e}");
        assert!(
            e.contains("cannot reach ecr.dkr"),
            "message in the tooltip: {e}"
        );
    }
    for other in ["ecr.api", "logs"] {
        assert!(
            edges_between(&dot, "orders", other)
                .iter()
                .all(|e| !e.contains(RED)),
            "{other}"
        );
    }
    assert!(edges_between(&dot, "NLB IngressNlb", "orders")
        .iter()
        .all(|e| !e.contains(RED)));
    // The tasks themselves are not the failing hop.
    assert!(node_line(&dot, "orders").iter().all(|l| !l.contains(RED)));
    assert!(dot.contains("No internet gateway · No NAT gateway · No public IPs"));
}

#[test]
fn finding_on_a_node_reddens_that_node_and_unmatched_findings_go_to_the_legend() {
    let dot = to_dot(
        &common::isolated(),
        &[common::logs_private_dns(), common::log_retention()],
        &DiagramOptions::default(),
    );
    let logs = eni_cells(&dot, "logs");
    assert_eq!(logs.len(), 2);
    assert!(logs
        .iter()
        .all(|l| l.contains(RED) && l.contains("⚠ MOAT102")));
    assert!(eni_cells(&dot, "ecr.api").iter().all(|l| !l.contains(RED)));
    // The finding's message is in the table's tooltip, under the ENI it concerns.
    let table = dot
        .lines()
        .find(|l| l.contains("endpoint ENIs</FONT>"))
        .unwrap();
    assert!(table.contains("\\n  MOAT102: "), "{table}");
    let legend = dot
        .lines()
        .find(|l| l.trim_start().starts_with("legend "))
        .unwrap();
    assert!(
        legend.contains("MOAT301 AppLogGroup: log group has no retention"),
        "{legend}"
    );
    assert!(!legend.contains("MOAT102"));
}

#[test]
fn finding_on_a_security_group_marks_what_uses_it() {
    let f = Finding {
        code: "MOAT150",
        severity: Severity::Warning,
        message: "TaskSG allows all egress".into(),
        prov: Provenance::resource("TaskSG"),
        help: "narrow it".into(),
        path: vec![],
    };
    let dot = to_dot(&common::isolated(), &[f], &DiagramOptions::default());
    let tasks = node_line(&dot, "orders");
    assert_eq!(tasks.len(), 2);
    assert!(tasks
        .iter()
        .all(|l| l.contains(RED) && l.contains("MOAT150")));
    assert!(eni_cells(&dot, "ecr.api").iter().all(|l| !l.contains(RED)));
}

#[test]
fn finding_on_a_subnet_reddens_its_box() {
    let f = Finding {
        code: "MOAT120",
        severity: Severity::Error,
        message: "subnet is too small".into(),
        prov: Provenance::resource("PrivateSubnetB"),
        help: "use a /24".into(),
        path: vec![],
    };
    let dot = to_dot(&common::isolated(), &[f], &DiagramOptions::default());
    let b = dot
        .lines()
        .find(|l| l.contains("label=\"subnet PrivateSubnetB"))
        .unwrap();
    assert!(b.contains(RED) && b.contains("⚠ MOAT120"), "{b}");
    let a = dot
        .lines()
        .find(|l| l.contains("label=\"subnet PrivateSubnetA"))
        .unwrap();
    assert!(!a.contains(RED));
}

#[test]
fn model_text_is_escaped() {
    let mut m = common::isolated();
    m.services[0].name = k("or\"ders <b>&\\N\nx".into());
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(dot.contains(r#"label="or\"ders <b>&\\N x"#), "{dot}");
    // Legend text goes through HTML escaping.
    let mut f = common::log_retention();
    f.message = "<TABLE> & \"x\"".into();
    let dot = to_dot(&m, &[f], &DiagramOptions::default());
    assert!(dot.contains("&lt;TABLE&gt; &amp; &quot;x&quot;"), "{dot}");
}

#[test]
fn unknown_az_gets_its_own_column_and_unknown_subnets_are_dashed() {
    let mut m = common::isolated();
    m.subnets[1].az = Maybe::unknown("Fn::GetAZs");
    m.services[0].subnets = vec![Maybe::unknown("parameter Subnets")];
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    assert!(dot.contains("label=\"AZ ?\""));
    assert!(dot.contains("label=\"AZ us-east-1a\""));
    let t = node_line(&dot, "orders");
    assert_eq!(t.len(), 1, "one task shape, in the VPC, not in a subnet");
    assert!(t[0].contains("subnets ?") && t[0].contains("dashed"));
}

#[test]
fn egress_gateway_by_heuristic_and_by_option() {
    let mut m = common::isolated();
    m.services.push(common::service(
        "EgressGate",
        "egress-gate",
        "OrdersTaskDef",
        vec![],
    ));
    let opts = DiagramOptions {
        egress_hosts: vec!["api.partner.example".into()],
        ..Default::default()
    };
    let dot = to_dot(&m, &[], &opts);
    let gw = node_line(&dot, "egress-gate (egress gateway)");
    assert_eq!(gw.len(), 2);
    assert!(gw.iter().all(|l| l.contains("diagonals")));
    assert_eq!(
        edges_between(&dot, "egress-gate", "named outside hosts").len(),
        2
    );
    assert!(dot.contains("api.partner.example"));

    let opts = DiagramOptions {
        egress_gateway: EgressGateway::Services(vec!["OrdersService".into()]),
        ..Default::default()
    };
    let dot = to_dot(&m, &[], &opts);
    assert_eq!(node_line(&dot, "orders (egress gateway)").len(), 2);
    assert!(node_line(&dot, "egress-gate")
        .iter()
        .all(|l| !l.contains("diagonals")));

    let opts = DiagramOptions {
        egress_gateway: EgressGateway::None,
        ..Default::default()
    };
    assert!(!to_dot(&m, &[], &opts).contains("diagonals"));
}

#[test]
fn output_is_deterministic_and_independent_of_finding_order() {
    let fs = [
        common::blocked_ecr_dkr(),
        common::logs_private_dns(),
        common::log_retention(),
    ];
    let mut rev = fs.clone();
    rev.reverse();
    let a = to_dot(&common::isolated(), &fs, &DiagramOptions::default());
    let b = to_dot(&common::isolated(), &fs, &DiagramOptions::default());
    assert_eq!(a, b);
    // Marks on shapes are sorted; only the unplaced list keeps finding order.
    let c = to_dot(&common::isolated(), &rev, &DiagramOptions::default());
    let shapes = |d: &str| {
        d.lines()
            .filter(|l| !l.contains("legend"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(shapes(&a), shapes(&c));
}

#[test]
fn snapshot_isolated_with_findings() {
    let dot = to_dot(
        &common::isolated(),
        &[common::blocked_ecr_dkr(), common::logs_private_dns()],
        &DiagramOptions {
            title: Some("orders (prod)".into()),
            ..Default::default()
        },
    );
    insta::assert_snapshot!(dot);
}

/// The shape moat-verify gives a blocked path: the finding points at the security group, the
/// hops list groups (comma-separated) and NACLs, and the message quotes the service, subnets
/// and endpoint in backticks.
#[test]
fn verify_shaped_finding_reddens_the_one_subnet_path() {
    let f = Finding {
        code: "MOAT105",
        severity: Severity::Error,
        message: "endpoint security group ingress TCP 443 on `EndpointSG, NlbSG` blocks service `orders` \
                  from subnet `PrivateSubnetB` to endpoint `EcrDkrEndpoint` in subnet `PrivateSubnetB` \
                  (ecr.dkr needed: container app)"
            .into(),
        prov: Provenance::at("EndpointSG", "template.yaml", 40, 5),
        help: "on `EndpointSG` add ingress TCP 443 from the service's security group".into(),
        path: vec![
            Hop { what: "security group egress TCP 443".into(), resource: "TaskSG".into(), ok: true },
            Hop {
                what: "endpoint security group ingress TCP 443".into(),
                resource: "EndpointSG, NlbSG".into(),
                ok: false,
            },
        ],
    };
    let dot = to_dot(&common::isolated(), &[f], &DiagramOptions::default());
    let dkr = edges_between(&dot, "orders", "ecr.dkr");
    assert_eq!(dkr.len(), 2);
    let red: Vec<_> = dkr.iter().filter(|e| e.contains(RED)).collect();
    assert_eq!(red.len(), 1, "only the PrivateSubnetB edge: {dkr:?}");
    // That edge runs between the shapes in PrivateSubnetB (the second task and second ENI).
    let (tasks, enis) = (node_names(&dot, "orders"), node_names(&dot, "ecr.dkr"));
    assert!(
        red[0]
            .trim_start()
            .starts_with(&format!("{} -> {} ", tasks[1], enis[1])),
        "{red:?}"
    );
    for other in ["ecr.api", "logs"] {
        assert!(
            edges_between(&dot, "orders", other)
                .iter()
                .all(|e| !e.contains(RED)),
            "{other}"
        );
    }
    assert!(!dot.contains("Findings not drawn"));
}

#[test]
fn subnet_of_an_unresolved_vpc_is_not_drawn_in_the_declared_one() {
    let mut m = common::isolated();
    m.subnets.push(Subnet {
        id: id("SharedSubnet"),
        vpc: Maybe::unknown("Fn::ImportValue SharedVpcId"),
        cidr: Maybe::unknown("Fn::ImportValue SharedCidr"),
        az: k("us-east-1a".into()),
        map_public_ip: k(false),
        prov: Provenance::resource("SharedSubnet"),
    });
    let dot = to_dot(&m, &[], &DiagramOptions::default());
    // Clusters are written nested; the shared subnet must come after the `VPC ?` box opens.
    let unknown_vpc = dot.find("label=\"VPC ?\\l\"").expect("a VPC ? box");
    let shared = dot
        .find("subnet SharedSubnet\\l?\\l")
        .expect("the shared subnet, CIDR ?");
    let declared = dot.find("label=\"VPC Vpc\\l").unwrap();
    assert!(declared < unknown_vpc && unknown_vpc < shared, "{dot}");
}

#[test]
fn direction_option_sets_rankdir() {
    let m = common::isolated();
    assert!(to_dot(&m, &[], &DiagramOptions::default()).contains("rankdir=TB"));
    let lr = DiagramOptions {
        direction: moat_diagram::Direction::LeftRight,
        ..Default::default()
    };
    assert!(to_dot(&m, &[], &lr).contains("rankdir=LR"));
}
