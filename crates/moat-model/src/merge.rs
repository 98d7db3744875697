//! One model from two sources: a live VPC read from the account plus the template that adds to
//! it (the "existing VPC" mode of `moat plan | synth | deploy`). The rules then judge the
//! combination: the template's security groups and services in the network team's subnets,
//! route tables and NACLs.

use crate::Model;

impl Model {
    /// Adds every element of `other` to `self`. The region and account stay `self`'s when
    /// known, else take `other`'s. DNS Firewall state a source could not read stays unread
    /// (`unread` keeps the first reason): the merge never turns an unread source into a read
    /// one.
    ///
    /// Every field is named (no `..`), so a field added to [`Model`] must be merged here too.
    pub fn absorb(&mut self, other: Model) {
        let Model {
            region,
            account_id,
            vpcs,
            subnets,
            route_tables,
            internet_gateways,
            nat_gateways,
            elastic_ips,
            security_groups,
            network_acls,
            endpoints,
            load_balancers,
            target_groups,
            listeners,
            endpoint_services,
            flow_logs,
            prefix_lists,
            clusters,
            task_definitions,
            services,
            roles,
            log_groups,
            resolver,
            waivers,
            kms_keys,
            secrets,
            dhcp_options,
            hosted_zones,
            classic_load_balancers,
            pull_through_cache_rules,
            bucket_policies,
        } = other;
        if self.region.known().is_none() {
            self.region = region;
        }
        if self.account_id.known().is_none() {
            self.account_id = account_id;
        }
        self.vpcs.extend(vpcs);
        self.subnets.extend(subnets);
        self.route_tables.extend(route_tables);
        self.internet_gateways.extend(internet_gateways);
        self.nat_gateways.extend(nat_gateways);
        self.elastic_ips.extend(elastic_ips);
        self.security_groups.extend(security_groups);
        self.network_acls.extend(network_acls);
        self.endpoints.extend(endpoints);
        self.load_balancers.extend(load_balancers);
        self.target_groups.extend(target_groups);
        self.listeners.extend(listeners);
        self.endpoint_services.extend(endpoint_services);
        self.flow_logs.extend(flow_logs);
        self.prefix_lists.extend(prefix_lists);
        self.clusters.extend(clusters);
        self.task_definitions.extend(task_definitions);
        self.services.extend(services);
        self.roles.extend(roles);
        self.log_groups.extend(log_groups);
        let r = &mut self.resolver;
        r.rule_groups.extend(resolver.rule_groups);
        r.domain_lists.extend(resolver.domain_lists);
        r.associations.extend(resolver.associations);
        r.query_log_configs.extend(resolver.query_log_configs);
        r.query_log_associations
            .extend(resolver.query_log_associations);
        if r.unread.is_none() {
            r.unread = resolver.unread;
        }
        if r.query_logs_unread.is_none() {
            r.query_logs_unread = resolver.query_logs_unread;
        }
        self.waivers.extend(waivers);
        self.kms_keys.extend(kms_keys);
        self.secrets.extend(secrets);
        self.dhcp_options.extend(dhcp_options);
        self.hosted_zones.extend(hosted_zones);
        self.classic_load_balancers.extend(classic_load_balancers);
        self.pull_through_cache_rules
            .extend(pull_through_cache_rules);
        self.bucket_policies.extend(bucket_policies);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Id, Maybe, Model, Provenance, Resolver, Vpc};

    #[test]
    fn absorb_keeps_both_sides_and_the_unread_resolver() {
        let mut live = Model {
            region: Maybe::Known("us-east-1".into()),
            resolver: Resolver {
                unread: Some("not read".into()),
                query_logs_unread: Some("logs not read".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        live.vpcs.push(Vpc {
            id: Id::from("vpc-1"),
            cidrs: vec![],
            dns_support: Maybe::Known(true),
            dns_hostnames: Maybe::Known(true),
            prov: Provenance::resource("vpc-1"),
        });
        let template = Model {
            region: Maybe::Known("eu-west-1".into()),
            account_id: Maybe::Known("123456789012".into()),
            ..Default::default()
        };
        live.absorb(template);
        assert_eq!(live.vpcs.len(), 1);
        assert_eq!(live.region.known().map(String::as_str), Some("us-east-1"));
        assert_eq!(
            live.account_id.known().map(String::as_str),
            Some("123456789012")
        );
        assert_eq!(live.resolver.unread.as_deref(), Some("not read"));
        assert_eq!(
            live.resolver.query_logs_unread.as_deref(),
            Some("logs not read")
        );
    }
}
