//! Resources the SAM transform (`Transform: AWS::Serverless-2016-10-31`) generates and that a
//! template may reference by logical id or by referenceable property, so `!GetAtt
//! MyFunctionRole.Arn` and `!Ref MyFunction.Alias` resolve.
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources.html
//! (per type: …-generated-resources-function.html, …-api.html, …-httpapi.html,
//! …-statemachine.html). Names that carry a hash (`<Function>Version<sha>`,
//! `<Api>Deployment<sha>`) are reachable only through their referenceable property.
//!
//! Only the logical ids and types exist here; the generated resources are not lowered into the
//! model (none of them is network or ECS configuration).

use crate::node::Node;

fn is_sam(tpl: &Node) -> bool {
    let named = |n: &Node| n.as_str() == Some("AWS::Serverless-2016-10-31");
    match tpl.get("Transform") {
        Some(t) => named(t) || t.as_seq().is_some_and(|s| s.iter().any(named)),
        None => false,
    }
}

/// Events of a function or state machine of the given `Type`, without an explicit API id.
fn implicit_api_event(res: &Node, event_type: &str, api_key: &str) -> bool {
    res.get("Properties")
        .and_then(|p| p.get("Events"))
        .and_then(Node::as_map)
        .is_some_and(|evs| {
            evs.iter().any(|(_, e)| {
                e.get("Type").and_then(Node::as_str) == Some(event_type)
                    && e.get("Properties").and_then(|p| p.get(api_key)).is_none()
            })
        })
}

/// `(logical id, type)` of every generated resource a template can reference.
pub fn implicit_resources(tpl: &Node) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if !is_sam(tpl) {
        return out;
    }
    let Some(resources) = tpl.get("Resources").and_then(Node::as_map) else {
        return out;
    };
    let (mut rest_api, mut http_api) = (false, false);
    for (k, r) in resources {
        let id = &k.name;
        let props = r.get("Properties");
        let prop = |name: &str| props.and_then(|p| p.get(name));
        match r.get("Type").and_then(Node::as_str) {
            Some("AWS::Serverless::Function") => {
                if prop("Role").is_none() {
                    out.push((format!("{id}Role"), "AWS::IAM::Role"));
                }
                if let Some(alias) = prop("AutoPublishAlias").and_then(Node::as_str) {
                    out.push((format!("{id}Alias{alias}"), "AWS::Lambda::Alias"));
                    out.push((format!("{id}.Alias"), "AWS::Lambda::Alias"));
                    out.push((format!("{id}.Version"), "AWS::Lambda::Version"));
                }
                rest_api |= implicit_api_event(r, "Api", "RestApiId");
                http_api |= implicit_api_event(r, "HttpApi", "ApiId");
            }
            Some("AWS::Serverless::StateMachine") => {
                if prop("Role").is_none() {
                    out.push((format!("{id}Role"), "AWS::IAM::Role"));
                }
                rest_api |= implicit_api_event(r, "Api", "RestApiId");
            }
            Some("AWS::Serverless::Api") => {
                if let Some(stage) = prop("StageName").and_then(Node::as_str) {
                    out.push((format!("{id}{stage}Stage"), "AWS::ApiGateway::Stage"));
                }
                out.push((format!("{id}.Stage"), "AWS::ApiGateway::Stage"));
                out.push((format!("{id}.Deployment"), "AWS::ApiGateway::Deployment"));
            }
            Some("AWS::Serverless::HttpApi") => {
                out.push((format!("{id}.Stage"), "AWS::ApiGatewayV2::Stage"));
                out.push((
                    format!("{id}ApiGatewayDefaultStage"),
                    "AWS::ApiGatewayV2::Stage",
                ));
            }
            _ => {}
        }
    }
    if rest_api {
        out.push(("ServerlessRestApi".into(), "AWS::ApiGateway::RestApi"));
        out.push((
            "ServerlessRestApiProdStage".into(),
            "AWS::ApiGateway::Stage",
        ));
        out.push(("ServerlessRestApi.Stage".into(), "AWS::ApiGateway::Stage"));
        out.push((
            "ServerlessRestApi.Deployment".into(),
            "AWS::ApiGateway::Deployment",
        ));
    }
    if http_api {
        out.push(("ServerlessHttpApi".into(), "AWS::ApiGatewayV2::Api"));
        out.push((
            "ServerlessHttpApiApiGatewayDefaultStage".into(),
            "AWS::ApiGatewayV2::Stage",
        ));
    }
    out
}
