use super::prelude::*;

rule! {
    /// ## What it does
    /// Finds VPCs without a flow log (on the VPC or on every one of its subnets).
    ///
    /// ## Why is this bad?
    /// Flow logs are the record auditors ask for in regulated environments, and the way to see
    /// what tried to leave an isolated VPC. Seeds 003 and 004 ask for them.
    ///
    /// ## Example
    /// A template with an `AWS::EC2::VPC` and no `AWS::EC2::FlowLog` whose `ResourceId` is it.
    ///
    /// ## Fix
    /// Add an `AWS::EC2::FlowLog` with `ResourceType: VPC`, `TrafficType: ALL`, delivering to a
    /// CloudWatch Logs group (`moat synth` does).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
    pub struct FlowLogsDisabled {
        code: "MOAT301",
        name: "flow-logs-disabled",
        severity: Info,
        summary: "A VPC has no flow logs",
    }
}

impl Rule for FlowLogsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let logged: Vec<_> = cx
            .model
            .flow_logs
            .iter()
            .filter_map(|f| f.resource.known())
            .collect();
        let unknown_target = cx.model.flow_logs.iter().any(|f| !f.resource.is_known());
        for vpc in &cx.model.vpcs {
            if unknown_target || logged.contains(&&vpc.id) {
                continue;
            }
            let subnets: Vec<_> = cx
                .model
                .subnets
                .iter()
                .filter(|s| s.vpc.known() == Some(&vpc.id))
                .collect();
            if !subnets.is_empty() && subnets.iter().all(|s| logged.contains(&&s.id)) {
                continue;
            }
            out.push(Self::META.finding(
                format!("VPC `{}` has no flow log", vpc.id),
                vpc.prov.clone(),
                "add an AWS::EC2::FlowLog (ResourceType: VPC, TrafficType: ALL) to CloudWatch Logs".into(),
            ));
        }
    }
}
