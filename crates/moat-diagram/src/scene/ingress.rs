//! The way in: load balancers, endpoint services, consumer accounts; and the egress
//! gateway's way out to its named hosts.

use super::*;

impl<'m> Builder<'m> {
    pub(super) fn load_balancers_and_services(&mut self) {
        let model = self.model;
        let mut lb_nodes: BTreeMap<String, usize> = BTreeMap::new();
        // Load balancers in front of the egress gateway's tasks.
        let mut proxy_lbs: BTreeSet<usize> = BTreeSet::new();
        for lb in &model.load_balancers {
            let kind = match lb.kind {
                Maybe::Known(LoadBalancerKind::Network) => "NLB",
                Maybe::Known(LoadBalancerKind::Application) => "ALB",
                Maybe::Known(LoadBalancerKind::Gateway) => "GWLB",
                Maybe::Unknown(_) => "load balancer",
            };
            let scheme = match lb.internal {
                Maybe::Known(true) => "internal",
                Maybe::Known(false) => "internet-facing",
                Maybe::Unknown(_) => "scheme ?",
            };
            let listeners: Vec<_> = model
                .listeners
                .iter()
                .filter(|l| l.load_balancer.known() == Some(&lb.id))
                .collect();
            let mut label = vec![format!("{kind} {}", lb.id), scheme.to_string()];
            let mut tags = Tags::owning(&lb.id.0);
            tags.uses = known_ids(&lb.security_groups);
            for l in &listeners {
                label.push(format!("listener {} {}", show(&l.protocol), show(&l.port)));
                tags.uses.push(l.id.0.clone());
                tags.uses.extend(known_ids(&l.target_groups));
            }
            if lb.internal == Maybe::Known(false) {
                tags.problem = Some("internet-facing".into());
            }
            let vpc = lb
                .subnets
                .iter()
                .filter_map(|s| s.known())
                .filter_map(|s| model.subnet(s))
                .map(|s| s.vpc.clone())
                .next()
                .unwrap_or_else(|| Maybe::Unknown("load balancer subnets unknown".into()));
            let node = self.scene.add(Node {
                kind: Kind::LoadBalancer,
                label,
                tooltip: format!("load balancer {}", lb.id),
                unknown: !lb.internal.is_known(),
                tags,
            });
            self.place_in_vpc(&vpc, node);
            lb_nodes.insert(lb.id.0.clone(), node);
            // NLB -> tasks, through listener -> target group <- service.
            let tgs: BTreeSet<&Id> = listeners
                .iter()
                .flat_map(|l| l.target_groups.iter().filter_map(|t| t.known()))
                .collect();
            for (task_node, _, svc) in self.tasks.clone() {
                let Some(tg) = svc
                    .target_groups
                    .iter()
                    .filter_map(|t| t.known())
                    .find(|t| tgs.contains(t))
                else {
                    continue;
                };
                let port = model
                    .target_group(tg)
                    .map(|t| format!("{} {}", show(&t.protocol), show(&t.port)));
                let ed = self.scene.edge(
                    node,
                    task_node,
                    port.clone(),
                    format!("{} → {} via target group {tg}", lb.id, svc.id),
                );
                self.scene.edges[ed].tags.uses.push(tg.0.clone());
                if self.scene.nodes[task_node].kind == Kind::EgressGateway {
                    proxy_lbs.insert(node);
                }
            }
            if proxy_lbs.contains(&node) {
                self.proxy_clients(node, &lb.id, &vpc, &listeners);
            }
        }
        let mut consumers: BTreeMap<String, usize> = BTreeMap::new();
        for es in &model.endpoint_services {
            let mut label = vec![format!("endpoint service {}", es.id)];
            if es.acceptance_required == Maybe::Known(true) {
                label.push("acceptance required".into());
            }
            let node = self.scene.add(Node {
                kind: Kind::EndpointService,
                label,
                tooltip: format!("VPC endpoint service {} (PrivateLink)", es.id),
                unknown: false,
                tags: Tags::owning(&es.id.0),
            });
            self.scene.region_nodes.push(node);
            for lb in known_ids(&es.network_load_balancers) {
                if let Some(&to) = lb_nodes.get(&lb) {
                    self.scene
                        .edge(node, to, None, format!("{} fronts {lb}", es.id));
                }
            }
            for (p, prov) in &es.allowed_principals {
                let key = show(p);
                let c = match consumers.get(&key) {
                    Some(&c) => c,
                    None => {
                        let c = self.scene.add(Node {
                            kind: Kind::Consumer,
                            label: principal_label(p),
                            tooltip: format!("allowed principal {key}"),
                            unknown: !p.is_known(),
                            tags: Tags {
                                owns: vec![key.clone(), prov.resource.clone()],
                                ..Default::default()
                            },
                        });
                        self.scene.outside_nodes.push(c);
                        consumers.insert(key.clone(), c);
                        c
                    }
                };
                self.scene.edge(
                    c,
                    node,
                    Some("PrivateLink".into()),
                    format!("{key} may connect to {}", es.id),
                );
            }
        }
    }

    /// Workload tasks whose containers set a proxy variable (`HTTPS_PROXY`, `HTTP_PROXY`, either
    /// case) reach the outside through the egress gateway: draw them to the load balancer in
    /// front of it (`lb_node`), in their own VPC. The variable's value is usually the load
    /// balancer's DNS name through `!Sub`/`!GetAtt`, so the edge is drawn on the variable being
    /// set, and says so in its tooltip.
    fn proxy_clients(&mut self, lb_node: usize, lb: &Id, vpc: &Maybe<Id>, listeners: &[&Listener]) {
        let model = self.model;
        let ports: Vec<String> = listeners.iter().map(|l| show(&l.port)).collect();
        let label = match ports.as_slice() {
            [] => "HTTPS_PROXY".to_string(),
            p => format!("HTTPS_PROXY :{}", p.join(",")),
        };
        for (task_node, subnet, svc) in self.tasks.clone() {
            if self.scene.nodes[task_node].kind == Kind::EgressGateway {
                continue;
            }
            let task_vpc = subnet
                .as_ref()
                .and_then(|s| model.subnet(&Id(s.clone())))
                .map(|s| s.vpc.clone());
            if let (Some(Maybe::Known(tv)), Maybe::Known(lv)) = (&task_vpc, vpc) {
                if tv != lv {
                    continue;
                }
            }
            let Some(var) = svc
                .task_definition
                .known()
                .and_then(|t| model.task_definition(t))
                .and_then(|td| {
                    td.containers.iter().find_map(|c| {
                        c.environment
                            .iter()
                            .map(|(k, _)| k.as_str())
                            .find(|k| PROXY_VARS.contains(k))
                    })
                })
            else {
                continue;
            };
            self.scene.edge(
                task_node,
                lb_node,
                Some(label.clone()),
                format!(
                    "{} sets {var}: its outside traffic goes through {lb} to the egress gateway",
                    svc.id
                ),
            );
        }
    }

    pub(super) fn egress_hosts(&mut self) {
        if self.opts.egress_hosts.is_empty() {
            return;
        }
        let gws: Vec<usize> = self
            .tasks
            .iter()
            .filter(|(n, _, _)| self.scene.nodes[*n].kind == Kind::EgressGateway)
            .map(|t| t.0)
            .collect();
        if gws.is_empty() {
            return;
        }
        let mut label = vec!["named outside hosts".to_string()];
        label.extend(self.opts.egress_hosts.iter().map(|h| ellipsize(h, 48)));
        let node = self.scene.add(Node {
            kind: Kind::OutsideHosts,
            label,
            tooltip: self.opts.egress_hosts.join("\n"),
            unknown: false,
            tags: Tags::default(),
        });
        self.scene.outside_nodes.push(node);
        for g in gws {
            self.scene.edge(
                g,
                node,
                Some("TLS, allow-listed".into()),
                "egress gateway → named hosts".into(),
            );
        }
    }
}

/// The environment variables that send a container's outside traffic to a proxy.
const PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"];

/// `arn:aws:iam::111122223333:root` -> `account 111122223333`; `*` -> any principal.
fn principal_label(p: &Maybe<String>) -> Vec<String> {
    let Maybe::Known(p) = p else {
        return vec!["consumer ?".into()];
    };
    if p == "*" {
        return vec!["any AWS principal".into(), "(*)".into()];
    }
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return vec!["consumer account".into(), p.clone()];
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", _, account, "root"] => {
            vec!["consumer account".into(), account.to_string()]
        }
        ["arn", _, "iam", _, account, rest] => {
            vec![format!("consumer account {account}"), ellipsize(rest, 40)]
        }
        _ => vec!["consumer".into(), ellipsize(p, 40)],
    }
}
