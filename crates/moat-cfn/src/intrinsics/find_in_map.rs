//! `Fn::FindInMap`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html
use super::*;
use std::rc::Rc;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    // A 4th item is the `DefaultValue` of the LanguageExtensions transform.
    let a = args(cx, "Fn::FindInMap", arg, 3, 4)?;
    let mut keys = Vec::with_capacity(3);
    for n in a.iter().take(3) {
        let v = cx.resolve(env, n)?;
        // A `Ref` to a resource is its physical id, which AWS assigns.
        if let crate::value::Val::Res(id) = &v.val {
            return Ok(V::unknown(
                format!("Fn::FindInMap key is the physical id of {id}, which AWS assigns"),
                at,
            ));
        }
        match v.text() {
            Ok(s) => keys.push(s),
            Err(w) => return Ok(V::unknown(format!("Fn::FindInMap key unknown ({w})"), at)),
        }
    }
    // A region-keyed map read in an unknown region: the entry depends on the region.
    if let Some(k) = keys.iter().find(|k| k.contains(moat_model::UNKNOWN_REGION)) {
        return Ok(V::unknown(
            format!("Fn::FindInMap {}: the key `{k}` depends on the region, which is unknown (pass --region)", keys.first().map_or("", String::as_str)),
            at,
        ));
    }
    let tpl = Rc::clone(&cx.tpl);
    let found = tpl
        .get("Mappings")
        .and_then(|m| m.get(keys.first()?.as_str()))
        .and_then(|m| m.get(keys.get(1)?.as_str()))
        .and_then(|m| m.get(keys.get(2)?.as_str()));
    match (found, a.get(3)) {
        (Some(n), _) => cx.resolve(env, n),
        (None, Some(d)) => match d.get("DefaultValue") {
            Some(n) => cx.resolve(env, n),
            None => Err(cx.err(
                d.pos,
                "Fn::FindInMap: the 4th item must be {DefaultValue: …}",
            )),
        },
        (None, None) => Err(cx.err(at, format!("Fn::FindInMap: no entry {}", keys.join(" / ")))),
    }
}
