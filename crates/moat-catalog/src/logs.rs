//! Log configuration needs: the `awslogs` driver and FireLens (`awsfirelens`) outputs.

use crate::needs::{secret_needs, Collector, Need, Site};
use crate::sources as src;
use moat_model::{LogConfiguration, Maybe};

/// Where a FireLens output plugin (`Name` option) sends logs: the endpoint it needs, and the
/// option naming its destination (used for the task role resource).
const FIRELENS_OUTPUTS: &[(&str, &str)] = &[
    ("cloudwatch", "logs"),
    ("cloudwatch_logs", "logs"),
    ("kinesis_firehose", "kinesis-firehose"),
    ("firehose", "kinesis-firehose"),
    ("kinesis_streams", "kinesis-streams"),
    ("kinesis", "kinesis-streams"),
    ("s3", "s3"),
];

fn opt<'l>(log: &'l LogConfiguration, key: &str) -> Option<&'l Maybe<String>> {
    log.options.get(key)
}

pub(crate) fn log_needs(c: &mut Collector<'_>, container: &Option<String>, log: &LogConfiguration) {
    let driver_site = Site {
        container,
        field: "logConfiguration.logDriver".into(),
        prov: &log.prov,
    };
    match &log.driver {
        Maybe::Known(d) if d == "awslogs" => awslogs(c, container, log),
        Maybe::Known(d) if d == "awsfirelens" => firelens(c, container, log),
        Maybe::Known(_) => {}
        Maybe::Unknown(why) => c.unknown_needs(&driver_site, why, "where the container's logs go"),
    }
    for (i, s) in log.secret_options.iter().enumerate() {
        secret_needs(
            c,
            container,
            &format!("logConfiguration.secretOptions[{i}].valueFrom"),
            s,
        );
    }
}

fn awslogs(c: &mut Collector<'_>, container: &Option<String>, log: &LogConfiguration) {
    let site = Site {
        container,
        field: "logConfiguration".into(),
        prov: &log.prov,
    };
    let region_site = Site {
        container,
        field: "logConfiguration.options.awslogs-region".into(),
        prov: &log.prov,
    };
    // An unknown region is not the tasks' region: the logs endpoint serves only that one.
    let region = match opt(log, "awslogs-region") {
        Some(Maybe::Known(r)) => r.clone(),
        Some(Maybe::Unknown(why)) => {
            c.unknown_needs(
                &region_site,
                why,
                "whether the logs go to this region's CloudWatch Logs endpoint",
            );
            c.ctx.region.clone()
        }
        None => c.ctx.region.clone(),
    };
    c.check_region(&region_site, &region, "CloudWatch Logs");
    let group = match opt(log, "awslogs-group") {
        Some(Maybe::Known(g)) => g.clone(),
        Some(Maybe::Unknown(why)) => {
            let site = Site {
                field: "logConfiguration.options.awslogs-group".into(),
                ..site
            };
            c.unknown(
                &site,
                why,
                "which log group the agent writes to (using `*`)",
            );
            "*".into()
        }
        None => "*".into(),
    };
    let group_arn = format!(
        "arn:{}:logs:{region}:{}:log-group:{group}:*",
        c.partition, c.account
    );
    c.need(
        &site,
        Need::Endpoint("logs"),
        format!("awslogs sends the container's output to log group {group}"),
        src::AWSLOGS,
    );
    let who = c.agent_role_words();
    for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
        let need = c.agent_call(action, group_arn.clone());
        c.need(
            &site,
            need,
            format!("{who} writes to log group {group}"),
            src::TASK_EXECUTION_ROLE,
        );
    }
    let create = opt(log, "awslogs-create-group");
    match create {
        Some(Maybe::Known(v)) if v.eq_ignore_ascii_case("true") => {
            let site = Site {
                field: "logConfiguration.options.awslogs-create-group".into(),
                ..site
            };
            let need = c.agent_call("logs:CreateLogGroup", group_arn);
            c.need(
                &site,
                need,
                "awslogs-create-group needs logs:CreateLogGroup, which AmazonECSTaskExecutionRolePolicy does not grant",
                src::AWSLOGS,
            );
        }
        Some(Maybe::Unknown(why)) => {
            let site = Site {
                field: "logConfiguration.options.awslogs-create-group".into(),
                ..site
            };
            c.unknown(
                &site,
                why,
                "whether the agent's role needs logs:CreateLogGroup",
            );
        }
        _ => {}
    }
}

fn firelens(c: &mut Collector<'_>, container: &Option<String>, log: &LogConfiguration) {
    let name = opt(log, "Name").or_else(|| opt(log, "name"));
    let site = Site {
        container,
        field: "logConfiguration.options.Name".into(),
        prov: &log.prov,
    };
    let plugin = match name {
        Some(Maybe::Known(n)) => n.to_ascii_lowercase(),
        Some(Maybe::Unknown(why)) => {
            return c.unknown_needs(&site, why, "which FireLens output the logs go to")
        }
        None => return,
    };
    let Some(&(_, endpoint)) = FIRELENS_OUTPUTS.iter().find(|(p, _)| *p == plugin) else {
        return;
    };
    let known = |k: &str| match opt(log, k) {
        Some(Maybe::Known(v)) => Some(v.clone()),
        _ => None,
    };
    let region_site = Site {
        container,
        field: "logConfiguration.options.region".into(),
        prov: &log.prov,
    };
    if let Some(Maybe::Unknown(why)) = opt(log, "region") {
        c.unknown_needs(
            &region_site,
            why,
            "whether the FireLens output is in this region (its endpoint serves only this one)",
        );
    }
    let region = known("region").unwrap_or_else(|| c.ctx.region.clone());
    c.check_region(&region_site, &region, endpoint);
    let (p, acct) = (c.partition, c.account.clone());
    c.need(
        &site,
        Need::Endpoint(endpoint),
        format!("the FireLens {plugin} output sends logs to {endpoint}"),
        src::FIRELENS,
    );
    // Fluent Bit's outputs sign requests with the task role.
    let grants: Vec<(&'static str, String)> = match endpoint {
        "logs" => {
            let group = known("log_group_name").unwrap_or_else(|| "*".into());
            let arn = format!("arn:{p}:logs:{region}:{acct}:log-group:{group}:*");
            let mut g = vec![
                ("logs:CreateLogStream", arn.clone()),
                ("logs:PutLogEvents", arn.clone()),
            ];
            if known("auto_create_group").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                g.push(("logs:CreateLogGroup", arn));
            }
            g
        }
        "kinesis-firehose" => {
            let stream = known("delivery_stream").unwrap_or_else(|| "*".into());
            vec![(
                "firehose:PutRecordBatch",
                format!("arn:{p}:firehose:{region}:{acct}:deliverystream/{stream}"),
            )]
        }
        "kinesis-streams" => {
            let stream = known("stream").unwrap_or_else(|| "*".into());
            vec![(
                "kinesis:PutRecords",
                format!("arn:{p}:kinesis:{region}:{acct}:stream/{stream}"),
            )]
        }
        _ => {
            let bucket = known("bucket").unwrap_or_else(|| "*".into());
            vec![("s3:PutObject", format!("arn:{p}:s3:::{bucket}/*"))]
        }
    };
    for (action, resource) in grants {
        c.need(
            &site,
            Need::TaskRole { action, resource },
            format!("the FireLens {plugin} output writes with the task role"),
            src::FIRELENS,
        );
    }
}
