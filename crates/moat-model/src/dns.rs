//! Route 53 Resolver: DNS Firewall rule groups, their domain lists and VPC associations, and
//! Resolver query logging. An isolated VPC's one unguarded way out is DNS: the Amazon-provided
//! resolver answers any public name, so a task can carry data out in the names it queries.
//! DNS Firewall closes that exit; query logging records what the workload tried.
//!
//! Sources:
//! - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html
//! - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-actions.html
//! - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs.html

use crate::{Id, Maybe, Provenance};
use serde::Serialize;

/// What a DNS Firewall rule does with a query whose name is in its domain list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FirewallAction {
    /// Stop inspecting and answer the query.
    Allow,
    /// Stop inspecting and answer with the rule's block response (NODATA, NXDOMAIN, OVERRIDE).
    Block,
    /// Log the match and go on with the next rule.
    Alert,
}

impl FirewallAction {
    /// `ALLOW` / `BLOCK` / `ALERT` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "ALLOW" => Some(FirewallAction::Allow),
            "BLOCK" => Some(FirewallAction::Block),
            "ALERT" => Some(FirewallAction::Alert),
            _ => None,
        }
    }
}

/// One rule of a rule group (`FirewallRules[]`).
#[derive(Debug, Clone, Serialize)]
pub struct FirewallRule {
    /// Rules are evaluated in ascending priority.
    pub priority: Maybe<i64>,
    pub action: Maybe<FirewallAction>,
    /// `FirewallDomainListId`.
    pub domain_list: Maybe<Id>,
    /// `FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN` (true): only the first name
    /// of a CNAME/DNAME chain is inspected; the default (`INSPECT_REDIRECTION_DOMAIN`) inspects
    /// every name in the chain, so each must be allowed too.
    pub trust_redirection: Maybe<bool>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirewallRuleGroup {
    pub id: Id,
    pub rules: Vec<FirewallRule>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirewallDomainList {
    pub id: Id,
    /// Domain specifications: `example.com`, `*.example.com`, `*`.
    pub domains: Vec<Maybe<String>>,
    /// Why the list holds names moat cannot see (`DomainFileUrl`, an AWS managed list).
    pub unseen: Option<String>,
    pub prov: Provenance,
}

/// `AWS::Route53Resolver::FirewallRuleGroupAssociation`: a rule group applied to a VPC.
#[derive(Debug, Clone, Serialize)]
pub struct FirewallAssociation {
    pub id: Id,
    pub vpc: Maybe<Id>,
    pub rule_group: Maybe<Id>,
    /// Groups associated with one VPC are evaluated in ascending priority.
    pub priority: Maybe<i64>,
    pub prov: Provenance,
}

/// `AWS::Route53Resolver::ResolverQueryLoggingConfig`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryLogConfig {
    pub id: Id,
    /// `DestinationArn`: a CloudWatch Logs log group, S3 bucket or Firehose stream.
    pub destination: Maybe<String>,
    pub prov: Provenance,
}

/// `AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryLogAssociation {
    pub id: Id,
    pub config: Maybe<Id>,
    /// `ResourceId`: the VPC whose queries are logged.
    pub vpc: Maybe<Id>,
    pub prov: Provenance,
}

/// Everything Route 53 Resolver adds to a model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resolver {
    pub rule_groups: Vec<FirewallRuleGroup>,
    pub domain_lists: Vec<FirewallDomainList>,
    pub associations: Vec<FirewallAssociation>,
    pub query_log_configs: Vec<QueryLogConfig>,
    pub query_log_associations: Vec<QueryLogAssociation>,
    /// Why the source could not show DNS Firewall associations (a live reader that does not
    /// read them): every verdict about the firewall then stays unproved. `None` for a template,
    /// which shows every association it makes.
    pub unread: Option<String>,
    /// Why the source could not show Resolver query logging (the lists above are then not
    /// the whole truth). `None` for a template (and then left out of the serialized model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_logs_unread: Option<String>,
}

impl Resolver {
    pub fn rule_group(&self, id: &Id) -> Option<&FirewallRuleGroup> {
        self.rule_groups.iter().find(|g| &g.id == id)
    }
    pub fn domain_list(&self, id: &Id) -> Option<&FirewallDomainList> {
        self.domain_lists.iter().find(|l| &l.id == id)
    }
}
