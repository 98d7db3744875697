//! Resources that modify other resources (associations, standalone rules, attachments) are
//! applied once every stack is lowered, since the target may live in another stack.

use crate::stack::{Env, Pending};
use moat_model::*;
use std::collections::HashMap;

fn index<T>(items: &[T], id: impl Fn(&T) -> &Id) -> HashMap<Id, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, x)| (id(x).clone(), i))
        .collect()
}

/// Classify `GatewayId`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-route.html
/// ("The ID of an internet gateway or virtual private gateway"; `local` is the VPC's own route).
fn gateway_target(env: &Env, g: Maybe<Id>) -> RouteTarget {
    match g {
        Maybe::Unknown(w) => RouteTarget::UnknownGateway(w),
        Maybe::Known(id) => match env.kinds.get(id.as_str()).map(String::as_str) {
            Some("AWS::EC2::InternetGateway") => RouteTarget::InternetGateway(Maybe::Known(id)),
            Some("AWS::EC2::VPNGateway") => RouteTarget::VpnGateway(Maybe::Known(id)),
            Some("AWS::EC2::EgressOnlyInternetGateway") => {
                RouteTarget::EgressOnlyInternetGateway(Maybe::Known(id))
            }
            _ if id.as_str() == "local" => RouteTarget::Local,
            _ if id.as_str().starts_with("igw-") => RouteTarget::InternetGateway(Maybe::Known(id)),
            _ if id.as_str().starts_with("vgw-") => RouteTarget::VpnGateway(Maybe::Known(id)),
            _ => RouteTarget::UnknownGateway(format!(
                "GatewayId {id} is not a gateway of this template"
            )),
        },
    }
}

pub fn finish(env: &mut Env) {
    let pending = std::mem::take(&mut env.pending);
    let rts = index(&env.model.route_tables, |x| &x.id);
    let sgs = index(&env.model.security_groups, |x| &x.id);
    let igws = index(&env.model.internet_gateways, |x| &x.id);
    let vpcs = index(&env.model.vpcs, |x| &x.id);
    let nacls = index(&env.model.network_acls, |x| &x.id);
    let svcs = index(&env.model.endpoint_services, |x| &x.id);
    let roles = index(&env.model.roles, |x| &x.id);
    let known = |m: &HashMap<Id, usize>, id: &Maybe<Id>| id.known().and_then(|i| m.get(i)).copied();
    let mut managed_docs: HashMap<String, PolicyDocument> = HashMap::new();
    for p in pending {
        match p {
            Pending::Assoc { rt, subnet } => {
                if let Some(i) = known(&rts, &rt) {
                    env.model.route_tables[i].subnets.push(subnet);
                }
            }
            Pending::Route {
                rt,
                mut route,
                gateway,
            } => {
                if let Some(g) = gateway {
                    route.target = gateway_target(env, g);
                }
                match known(&rts, &rt) {
                    Some(i) => env.model.route_tables[i].routes.push(route),
                    None => env.notes.push(format!(
                        "{}:{}: route {} belongs to a route table outside the template",
                        route.prov.file.clone().unwrap_or_default(),
                        route.prov.line.unwrap_or(0),
                        route.prov.resource
                    )),
                }
            }
            Pending::SgRule {
                group,
                egress,
                rule,
            } => {
                if let Some(i) = known(&sgs, &group) {
                    let sg = &mut env.model.security_groups[i];
                    if egress {
                        sg.egress.push(rule)
                    } else {
                        sg.ingress.push(rule)
                    }
                }
            }
            Pending::IgwAttach { igw, vpc, prov } => {
                if let Some(i) = known(&igws, &igw) {
                    env.model.internet_gateways[i]
                        .attached_vpcs
                        .push((vpc, prov));
                }
            }
            Pending::VpcCidr { vpc, cidr } => {
                if let Some(i) = known(&vpcs, &vpc) {
                    env.model.vpcs[i].cidrs.push(cidr);
                }
            }
            Pending::NaclAssoc { nacl, subnet } => {
                if let Some(i) = known(&nacls, &nacl) {
                    env.model.network_acls[i].subnets.push(subnet);
                }
            }
            Pending::NaclEntry { nacl, entry } => {
                if let Some(i) = known(&nacls, &nacl) {
                    env.model.network_acls[i].entries.push(entry);
                }
            }
            Pending::Permissions {
                service,
                principals,
            } => {
                if let Some(i) = known(&svcs, &service) {
                    env.model.endpoint_services[i]
                        .allowed_principals
                        .extend(principals);
                }
            }
            Pending::RolePolicy {
                roles: targets,
                statements,
                managed,
                document,
            } => {
                if let Some(m) = &managed {
                    managed_docs.insert(m.clone(), document.clone());
                }
                for r in &targets {
                    if let Some(i) = known(&roles, r) {
                        let role = &mut env.model.roles[i];
                        role.statements.extend(statements.iter().cloned());
                        role.policies.push(document.clone());
                        if let Some(m) = &managed {
                            role.managed_policy_arns.push(Maybe::Known(m.clone()));
                        }
                    }
                }
            }
            Pending::Access(a) => super::access::apply(env, a),
        }
    }
    super::access::attach_managed_documents(env, &managed_docs);
    super::physical::apply(env);
}
