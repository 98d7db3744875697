//! A first deployment stage: the stack's current template plus only the new resources of one
//! type (and what they reference), so those resources exist before the rest of the template
//! is deployed. `moat deploy` uses it to create ECR pull-through cache rules, warm the cache
//! from the deploying machine, and only then create the services that pull through it.
//!
//! The stage never removes or changes what the stack has: every section of the current
//! template is kept as it is, and a name the current template already defines is never
//! replaced. The result is JSON (CloudFormation takes either format); YAML scalars keep their
//! type as a YAML 1.2 core-schema reader types them (`80` a number, `"80"` a string, `true` a
//! boolean), and short forms become long forms (`!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is
//! `{"Fn::GetAtt": ["A", "B"]}`), which is what CloudFormation itself reads them as. Sources:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html>,
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html>.
//!
//! ```
//! let full = "Resources:\n  Rule:\n    Type: AWS::ECR::PullThroughCacheRule\n    Properties:\n      EcrRepositoryPrefix: ecr-public\n  Cluster:\n    Type: AWS::ECS::Cluster\n";
//! let stage = moat_cfn::stage::first_stage(None, full, "AWS::ECR::PullThroughCacheRule")
//!     .unwrap()
//!     .expect("a new rule");
//! assert_eq!(stage.added_resources, ["Rule"]);
//! assert!(!stage.template.contains("AWS::ECS::Cluster"));
//! ```

use crate::node::{Kind, Node};
use crate::Error;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The sections a new resource's references may point into, in the order they are searched.
const SECTIONS: &[&str] = &["Resources", "Parameters", "Conditions", "Mappings"];

/// What [`first_stage`] adds to the stack.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstStage {
    /// The current template with the additions (JSON).
    pub template: String,
    /// Logical ids of the resources added: those of the asked type, then what they need.
    pub added_resources: Vec<String>,
    /// Parameters added (a new resource references them; the current template had none so
    /// named). Their values come from the deploy's parameters.
    pub added_parameters: Vec<String>,
    /// The current template's parameters: the stage keeps their previous values.
    pub kept_parameters: Vec<String>,
}

/// The first stage of deploying `full` over a stack whose template is `current` (`None` or
/// empty for a stack that does not exist yet): `current` plus the resources of
/// `resource_type` that `full` has and `current` lacks, with the resources, parameters,
/// conditions and mappings of `full` they reference and `current` lacks. `None` when there is
/// no such resource (nothing to stage).
pub fn first_stage(
    current: Option<&str>,
    full: &str,
    resource_type: &str,
) -> Result<Option<FirstStage>, Error> {
    let full = template_json("the template to deploy", full)?;
    let mut base = match current.filter(|t| !t.trim().is_empty()) {
        Some(text) => template_json("the stack's current template", text)?,
        None => new_stack_base(&full),
    };
    let present = |base: &Map<String, Value>, section: &str, name: &str| {
        base.get(section)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(name))
    };
    let mut queue: Vec<String> = section(&full, "Resources")
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(resource_type))
        .map(|(id, _)| id.clone())
        .filter(|id| !present(&base, "Resources", id))
        .collect();
    if queue.is_empty() {
        return Ok(None);
    }
    let kept_parameters: Vec<String> = section(&base, "Parameters").keys().cloned().collect();
    let mut added: Vec<(&str, String)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    // Breadth first, in the full template's order: the asked resources, then what they need.
    let mut i = 0;
    while i < queue.len() {
        let name = queue[i].clone();
        i += 1;
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some((sec, value)) = SECTIONS
            .iter()
            .find_map(|s| section(&full, s).get(&name).map(|v| (*s, v)))
        else {
            continue; // a pseudo parameter (AWS::Region) or a name the template lacks
        };
        if present(&base, sec, &name) {
            continue;
        }
        let mut refs = BTreeSet::new();
        references(value, &mut refs);
        queue.extend(refs);
        base.entry(sec.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("a template section is a mapping (checked by template_json)")
            .insert(name.clone(), value.clone());
        added.push((sec, name));
    }
    let of = |s: &str| -> Vec<String> {
        added
            .iter()
            .filter(|(sec, _)| *sec == s)
            .map(|(_, n)| n.clone())
            .collect()
    };
    Ok(Some(FirstStage {
        template: serde_json::to_string_pretty(&Value::Object(base))
            .expect("a JSON value serializes"),
        added_resources: of("Resources"),
        added_parameters: of("Parameters"),
        kept_parameters,
    }))
}

/// A template for a stack that does not exist yet: the full template's version and
/// description, no resources.
fn new_stack_base(full: &Map<String, Value>) -> Map<String, Value> {
    let mut base = Map::new();
    for key in ["AWSTemplateFormatVersion", "Description"] {
        if let Some(v) = full.get(key) {
            base.insert(key.to_string(), v.clone());
        }
    }
    base
}

fn section<'a>(t: &'a Map<String, Value>, name: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    t.get(name)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// Parse a template (YAML or JSON) into JSON; its top level and its sections must be mappings.
fn template_json(file: &str, text: &str) -> Result<Map<String, Value>, Error> {
    let root = crate::parse::parse(file, text)?;
    let not_template = |why: &str| Error::NotATemplate {
        file: file.to_string(),
        why: why.to_string(),
    };
    let Value::Object(map) = to_json(&root) else {
        return Err(not_template("its top level is not a mapping"));
    };
    for s in SECTIONS {
        if map.get(*s).is_some_and(|v| !v.is_object()) {
            return Err(not_template(&format!("its {s} section is not a mapping")));
        }
    }
    Ok(map)
}

/// A parsed node as JSON (see the module docs for scalar types and short forms).
fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { text, plain: true } => plain_scalar(text),
        Kind::Scalar { text, plain: false } => Value::String(text.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let value = match (k.name.as_str(), to_json(v)) {
                        ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
                            Some((resource, attribute)) => {
                                Value::Array(vec![resource.into(), attribute.into()])
                            }
                            None => Value::String(s),
                        },
                        (_, value) => value,
                    };
                    (k.name.clone(), value)
                })
                .collect(),
        ),
    }
}

/// A plain YAML scalar as the YAML 1.2 core schema types it; forms outside the JSON-like
/// subset (hex, octal, `.inf`) stay strings, which CloudFormation coerces where a property
/// wants a number.
fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
    }
    let numeric = digits.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if numeric {
        if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// Names a value refers to: `Ref`, `Fn::GetAtt`, `Fn::Sub` variables, `Fn::FindInMap` maps,
/// conditions (`Condition`, `Fn::If`) and `DependsOn`.
fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("Ref" | "Condition", Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    ("DependsOn", Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    ("DependsOn", Value::Array(items)) => {
                        out.extend(items.iter().filter_map(Value::as_str).map(str::to_string));
                    }
                    ("Fn::GetAtt" | "Fn::If" | "Fn::FindInMap", Value::Array(items)) => {
                        if let Some(first) = items.first().and_then(Value::as_str) {
                            out.insert(first.to_string());
                        }
                    }
                    ("Fn::Sub", Value::String(s)) => sub_variables(s, &BTreeSet::new(), out),
                    ("Fn::Sub", Value::Array(items)) => {
                        let local: BTreeSet<String> = items
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(s) = items.first().and_then(Value::as_str) {
                            sub_variables(s, &local, out);
                        }
                    }
                    _ => {}
                }
                references(x, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// `${Name}` and `${Name.Attribute}` in a `Fn::Sub` string (`${!Literal}` is text), less the
/// variables the `Fn::Sub` defines itself.
fn sub_variables(s: &str, local: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let var = &rest[..end];
        rest = &rest[end + 1..];
        if var.starts_with('!') {
            continue;
        }
        let name = var.split('.').next().unwrap_or(var).trim();
        if !name.is_empty() && !local.contains(name) {
            out.insert(name.to_string());
        }
    }
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
