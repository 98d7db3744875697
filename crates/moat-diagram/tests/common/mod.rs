//! Small models built by hand, shaped like the seeds' isolated Fargate design.
#![allow(dead_code)]

pub mod browser;

use moat_model::*;

pub fn id(s: &str) -> Id {
    Id::from(s)
}

pub fn k<T>(v: T) -> Maybe<T> {
    Maybe::Known(v)
}

fn prov(r: &str) -> Provenance {
    Provenance::at(r, "template.yaml", 10, 3)
}

pub fn subnet(name: &str, cidr: &str, az: &str) -> Subnet {
    Subnet {
        id: id(name),
        vpc: k(id("Vpc")),
        cidr: k(cidr.parse().unwrap()),
        az: k(az.into()),
        map_public_ip: k(false),
        prov: prov(name),
    }
}

fn sg(name: &str) -> SecurityGroup {
    SecurityGroup {
        id: id(name),
        vpc: k(id("Vpc")),
        ingress: vec![],
        egress: vec![],
        default: false,
        prov: prov(name),
    }
}

fn interface(name: &str, svc: &str) -> VpcEndpoint {
    VpcEndpoint {
        id: id(name),
        vpc: k(id("Vpc")),
        service: k(format!("com.amazonaws.us-east-1.{svc}")),
        kind: k(EndpointKind::Interface),
        subnets: vec![k(id("PrivateSubnetA")), k(id("PrivateSubnetB"))],
        security_groups: vec![k(id("EndpointSG"))],
        route_tables: vec![],
        private_dns: k(true),
        policy: None,
        prov: prov(name),
    }
}

/// An isolated VPC in two AZs: ecr.api / ecr.dkr / logs interface endpoints in both private
/// subnets, the S3 gateway endpoint on the private route table, one Fargate service behind an
/// internal NLB published as an endpoint service to one consumer account.
pub fn isolated() -> Model {
    let mut m = Model {
        region: k("us-east-1".into()),
        account_id: k("123456789012".into()),
        ..Default::default()
    };
    m.vpcs.push(Vpc {
        id: id("Vpc"),
        cidrs: vec![k("10.20.0.0/16".parse().unwrap())],
        dns_support: k(true),
        dns_hostnames: k(true),
        prov: prov("Vpc"),
    });
    m.subnets
        .push(subnet("PrivateSubnetA", "10.20.0.0/24", "us-east-1a"));
    m.subnets
        .push(subnet("PrivateSubnetB", "10.20.1.0/24", "us-east-1b"));
    m.route_tables.push(RouteTable {
        id: id("PrivateRouteTable"),
        vpc: k(id("Vpc")),
        main: false,
        subnets: vec![k(id("PrivateSubnetA")), k(id("PrivateSubnetB"))],
        routes: vec![Route {
            destination: k(RouteDestination::Cidr("10.20.0.0/16".parse().unwrap())),
            target: RouteTarget::Local,
            prov: prov("PrivateRouteTable"),
        }],
        prov: prov("PrivateRouteTable"),
    });
    m.security_groups.push(sg("TaskSG"));
    m.security_groups.push(sg("EndpointSG"));
    m.security_groups.push(sg("NlbSG"));
    m.endpoints.push(interface("EcrApiEndpoint", "ecr.api"));
    m.endpoints.push(interface("EcrDkrEndpoint", "ecr.dkr"));
    m.endpoints.push(interface("LogsEndpoint", "logs"));
    m.endpoints.push(VpcEndpoint {
        id: id("S3GatewayEndpoint"),
        vpc: k(id("Vpc")),
        service: k("com.amazonaws.us-east-1.s3".into()),
        kind: k(EndpointKind::Gateway),
        subnets: vec![],
        security_groups: vec![],
        route_tables: vec![k(id("PrivateRouteTable"))],
        private_dns: Maybe::unknown("not applicable to a gateway endpoint"),
        policy: None,
        prov: prov("S3GatewayEndpoint"),
    });
    m.clusters.push(Cluster {
        id: id("Cluster"),
        container_insights: k(true),
        prov: prov("Cluster"),
    });
    m.task_definitions.push(TaskDefinition {
        id: id("OrdersTaskDef"),
        family: k("orders".into()),
        requires_compatibilities: vec![k("FARGATE".into())],
        network_mode: k("awsvpc".into()),
        execution_role: Some(k("ExecutionRole".into())),
        task_role: None,
        containers: vec![Container {
            name: k("app".into()),
            image: k("123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2".into()),
            essential: k(true),
            log: None,
            secrets: vec![],
            repository_credentials: None,
            environment_files: vec![],
            firelens: None,
            environment: vec![],
            prov: prov("OrdersTaskDef"),
        }],
        containers_unknown: None,
        prov: prov("OrdersTaskDef"),
    });
    m.services.push(service(
        "OrdersService",
        "orders",
        "OrdersTaskDef",
        vec![k(id("OrdersTG"))],
    ));
    m.target_groups.push(TargetGroup {
        id: id("OrdersTG"),
        port: k(8080),
        protocol: k("TCP".into()),
        target_type: k("ip".into()),
        vpc: k(id("Vpc")),
        prov: prov("OrdersTG"),
    });
    m.load_balancers.push(LoadBalancer {
        id: id("IngressNlb"),
        kind: k(LoadBalancerKind::Network),
        internal: k(true),
        subnets: vec![k(id("PrivateSubnetA")), k(id("PrivateSubnetB"))],
        security_groups: vec![k(id("NlbSG"))],
        prov: prov("IngressNlb"),
    });
    m.listeners.push(Listener {
        id: id("IngressListener"),
        load_balancer: k(id("IngressNlb")),
        port: k(443),
        protocol: k("TLS".into()),
        certificates: vec![],
        target_groups: vec![k(id("OrdersTG"))],
        prov: prov("IngressListener"),
    });
    m.endpoint_services.push(EndpointService {
        id: id("IngressService"),
        network_load_balancers: vec![k(id("IngressNlb"))],
        acceptance_required: k(true),
        allowed_principals: vec![(
            k("arn:aws:iam::111122223333:root".into()),
            prov("IngressPermissions"),
        )],
        prov: prov("IngressService"),
    });
    m
}

pub fn service(idv: &str, name: &str, td: &str, tgs: Vec<Maybe<Id>>) -> Service {
    Service {
        id: id(idv),
        name: k(name.into()),
        cluster: k(id("Cluster")),
        task_definition: k(id(td)),
        launch_type: k(LaunchType::Fargate),
        subnets: vec![k(id("PrivateSubnetA")), k(id("PrivateSubnetB"))],
        security_groups: vec![k(id("TaskSG"))],
        assign_public_ip: k(false),
        enable_execute_command: k(false),
        desired_count: k(2),
        target_groups: tgs,
        egress_gateway: false,
        prov: prov(idv),
    }
}

/// The same VPC with an internet gateway attached and a default route to it.
pub fn with_internet() -> Model {
    let mut m = isolated();
    m.internet_gateways.push(InternetGateway {
        id: id("InternetGateway"),
        attached_vpcs: vec![(k(id("Vpc")), prov("GatewayAttachment"))],
        egress_only: false,
        prov: prov("InternetGateway"),
    });
    if let Some(rt) = m.route_tables.first_mut() {
        rt.routes.push(Route {
            destination: k(RouteDestination::Cidr("0.0.0.0/0".parse().unwrap())),
            target: RouteTarget::InternetGateway(k(id("InternetGateway"))),
            prov: prov("DefaultRoute"),
        });
    }
    m
}

/// The blocked path: the endpoint security group does not admit TCP 443 from the tasks, so
/// `orders` cannot pull from ecr.dkr.
pub fn blocked_ecr_dkr() -> Finding {
    Finding {
        code: "MOAT201",
        severity: Severity::Error,
        message: "service orders cannot reach ecr.dkr on TCP 443".into(),
        prov: Provenance::at("EndpointSG", "template.yaml", 40, 5),
        help: "allow TCP 443 from TaskSG in EndpointSG".into(),
        path: vec![
            Hop {
                what: "route table".into(),
                resource: "PrivateRouteTable".into(),
                ok: true,
            },
            Hop {
                what: "task SG egress".into(),
                resource: "TaskSG".into(),
                ok: true,
            },
            Hop {
                what: "endpoint".into(),
                resource: "EcrDkrEndpoint".into(),
                ok: true,
            },
            Hop {
                what: "endpoint SG ingress".into(),
                resource: "EndpointSG".into(),
                ok: false,
            },
        ],
    }
}

/// A finding on a drawn element (the logs endpoint).
pub fn logs_private_dns() -> Finding {
    Finding {
        code: "MOAT102",
        severity: Severity::Warning,
        message: "interface endpoint for logs has private DNS disabled".into(),
        prov: Provenance::at("LogsEndpoint", "template.yaml", 88, 7),
        help: "set PrivateDnsEnabled: true".into(),
        path: vec![],
    }
}

/// A finding on something the diagram does not draw.
pub fn log_retention() -> Finding {
    Finding {
        code: "MOAT301",
        severity: Severity::Info,
        message: "log group has no retention".into(),
        prov: Provenance::resource("AppLogGroup"),
        help: "set RetentionInDays".into(),
        path: vec![],
    }
}

/// A bigger picture: three AZs, seven interface endpoints, two services (one with a sidecar).
pub fn large() -> Model {
    let mut m = isolated();
    m.subnets
        .push(subnet("PrivateSubnetC", "10.20.2.0/24", "us-east-1c"));
    for s in ["ssm", "ssmmessages", "secretsmanager", "sts"] {
        let mut e = interface(&format!("{s}Endpoint"), s);
        e.subnets.push(k(id("PrivateSubnetC")));
        m.endpoints.push(e);
    }
    for e in m
        .endpoints
        .iter_mut()
        .filter(|e| e.kind == k(EndpointKind::Interface))
    {
        if !e.subnets.contains(&k(id("PrivateSubnetC"))) {
            e.subnets.push(k(id("PrivateSubnetC")));
        }
    }
    if let Some(rt) = m.route_tables.first_mut() {
        rt.subnets.push(k(id("PrivateSubnetC")));
    }
    let mut td = m.task_definitions[0].clone();
    td.id = id("WorkerTaskDef");
    td.containers[0].name = k("worker".into());
    td.containers[0].image = k("123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:2.0".into());
    let mut sidecar = td.containers[0].clone();
    sidecar.name = k("log-router".into());
    sidecar.image = k("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable".into());
    td.containers.push(sidecar);
    m.task_definitions.push(td);
    let mut w = service("WorkerService", "worker", "WorkerTaskDef", vec![]);
    w.subnets.push(k(id("PrivateSubnetC")));
    m.services.push(w);
    m.services[0].subnets.push(k(id("PrivateSubnetC")));
    m.load_balancers[0].subnets.push(k(id("PrivateSubnetC")));
    m
}

/// The isolated VPC plus an egress zone: subnet `EgressSubnet` whose route table alone routes
/// 0.0.0.0/0 to an internet gateway, where only the tagged gateway service `gate` runs (with a
/// public IP).
pub fn with_egress_zone() -> Model {
    let mut m = isolated();
    m.subnets
        .push(subnet("EgressSubnet", "10.20.128.0/20", "us-east-1a"));
    m.internet_gateways.push(InternetGateway {
        id: id("InternetGateway"),
        attached_vpcs: vec![(k(id("Vpc")), prov("GatewayAttachment"))],
        egress_only: false,
        prov: prov("InternetGateway"),
    });
    m.route_tables.push(RouteTable {
        id: id("EgressRouteTable"),
        vpc: k(id("Vpc")),
        main: false,
        subnets: vec![k(id("EgressSubnet"))],
        routes: vec![Route {
            destination: k(RouteDestination::Cidr("0.0.0.0/0".parse().unwrap())),
            target: RouteTarget::InternetGateway(k(id("InternetGateway"))),
            prov: prov("EgressRoute"),
        }],
        prov: prov("EgressRouteTable"),
    });
    let mut gate = service("GateService", "gate", "OrdersTD", vec![]);
    gate.subnets = vec![k(id("EgressSubnet"))];
    gate.assign_public_ip = k(true);
    gate.egress_gateway = true;
    m.services.push(gate);
    m
}
