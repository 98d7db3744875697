//! `register-task-definition` JSON (camelCase) → `AWS::ECS::TaskDefinition` properties
//! (PascalCase).
//!
//! Property names follow
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-taskdefinition.html>:
//! almost every key is the camelCase key with its first letter upper-cased; the exceptions are
//! in [`RENAMES`]. Keys whose *values* are user maps (`options`, `dockerLabels`, …) keep their
//! inner keys as written. Keys CloudFormation does not take, or that the template sets itself
//! (`executionRoleArn`, `taskRoleArn`: the template creates least-privilege roles), are dropped
//! and listed so the plan can say so.

use serde_json::{Map, Value};

/// Top-level keys kept (others are dropped and reported).
const TOP_LEVEL: &[&str] = &[
    "family",
    "containerDefinitions",
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "volumes",
    "placementConstraints",
    "proxyConfiguration",
    "runtimePlatform",
    "ephemeralStorage",
    "pidMode",
    "ipcMode",
    "inferenceAccelerators",
    "tags",
];

/// Container definition keys `AWS::ECS::TaskDefinition ContainerDefinition` accepts.
const CONTAINER: &[&str] = &[
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

/// Keys whose PascalCase spelling is not just an upper-cased first letter.
const RENAMES: &[(&str, &str)] = &[
    ("efsVolumeConfiguration", "EFSVolumeConfiguration"),
    (
        "fsxWindowsFileServerVolumeConfiguration",
        "FSxWindowsFileServerVolumeConfiguration",
    ),
];

/// Keys whose value is a user-defined map: inner keys are copied unchanged.
const OPAQUE_MAPS: &[&str] = &["options", "dockerLabels", "driverOpts", "labels"];

/// The converted properties and the dotted paths of the dropped keys.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub properties: Map<String, Value>,
    pub dropped: Vec<String>,
}

fn pascal(key: &str) -> String {
    if let Some((_, to)) = RENAMES.iter().find(|(from, _)| *from == key) {
        return (*to).to_string();
    }
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Recursively PascalCases keys (tags' `key`/`value` become `Key`/`Value` the same way).
fn convert(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut m = Map::new();
            // `null` means "not set" in the JSON; CloudFormation wants the key absent.
            for (k, inner) in o.iter().filter(|(_, v)| !v.is_null()) {
                let inner = if OPAQUE_MAPS.contains(&k.as_str()) {
                    inner.clone()
                } else {
                    convert(inner)
                };
                m.insert(pascal(k), inner);
            }
            Value::Object(m)
        }
        Value::Array(a) => Value::Array(a.iter().map(convert).collect()),
        other => other.clone(),
    }
}

/// Converts a task definition document. `json` must be an object.
pub fn convert_task_definition(json: &Value) -> Converted {
    let mut out = Converted::default();
    let Some(obj) = json.as_object() else {
        return out;
    };
    for (k, v) in obj.iter().filter(|(_, v)| !v.is_null()) {
        if !TOP_LEVEL.contains(&k.as_str()) {
            out.dropped.push(k.clone());
            continue;
        }
        if k == "containerDefinitions" {
            let containers = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, c)| container(i, c, &mut out.dropped))
                        .collect()
                })
                .unwrap_or_default();
            out.properties
                .insert("ContainerDefinitions".into(), Value::Array(containers));
        } else {
            out.properties.insert(pascal(k), convert(v));
        }
    }
    out
}

fn container(i: usize, c: &Value, dropped: &mut Vec<String>) -> Value {
    let mut m = Map::new();
    if let Some(o) = c.as_object() {
        for (k, v) in o.iter().filter(|(_, v)| !v.is_null()) {
            if CONTAINER.contains(&k.as_str()) {
                let v = if OPAQUE_MAPS.contains(&k.as_str()) {
                    v.clone()
                } else {
                    convert(v)
                };
                m.insert(pascal(k), v);
            } else {
                dropped.push(format!("containerDefinitions[{i}].{k}"));
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pascal_cases_and_keeps_user_maps() {
        let td = json!({
            "family": "app",
            "executionRoleArn": "arn:aws:iam::1:role/x",
            "cpu": "256",
            "volumes": [{"name": "d", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
            "containerDefinitions": [{
                "name": "app",
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}},
                "dockerLabels": {"team.name": "x"},
                "healthCheck": {"command": ["CMD", "true"], "interval": 30},
                "versionConsistency": "enabled",
                "user": null
            }]
        });
        let c = convert_task_definition(&td);
        let p = Value::Object(c.properties);
        assert_eq!(p["Family"], "app");
        assert_eq!(p["Cpu"], "256");
        assert_eq!(
            p["Volumes"][0]["EFSVolumeConfiguration"]["FileSystemId"],
            "fs-1"
        );
        let k = &p["ContainerDefinitions"][0];
        assert_eq!(k["PortMappings"][0]["ContainerPort"], 8080);
        assert_eq!(
            k["LogConfiguration"]["Options"]["awslogs-group"],
            "/ecs/app"
        );
        assert_eq!(k["DockerLabels"]["team.name"], "x");
        assert_eq!(k["HealthCheck"]["Interval"], 30);
        assert!(p.get("ExecutionRoleArn").is_none());
        assert!(k.get("User").is_none(), "null values are dropped");
        assert_eq!(
            c.dropped,
            [
                "executionRoleArn",
                "containerDefinitions[0].versionConsistency"
            ]
        );
    }
}
