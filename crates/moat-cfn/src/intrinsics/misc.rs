//! `Fn::Transform`, and the LanguageExtensions functions `Fn::Length` and `Fn::ToJsonString`.
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-transform.html
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-length.html
use super::*;
use crate::value::Val;

pub fn transform(_cx: &mut StackCx, _env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let name = arg.get("Name").and_then(Node::as_str).unwrap_or("?");
    Ok(V::unknown(
        format!("output of the macro {name} (Fn::Transform)"),
        at,
    ))
}

pub fn length(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let v = cx.resolve(env, arg)?;
    Ok(match v.items() {
        Ok(i) => V::str(i.len().to_string(), at),
        Err(w) => V::unknown(format!("Fn::Length of {w}"), at),
    })
}

pub fn to_json_string(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let v = cx.resolve(env, arg)?;
    Ok(match crate::value::to_json(&v) {
        Ok(j) => V::new(Val::Str(j.to_string()), at),
        Err(w) => V::unknown(format!("Fn::ToJsonString of {w}"), at),
    })
}
