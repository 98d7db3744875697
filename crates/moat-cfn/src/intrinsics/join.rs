//! `Fn::Join`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-join.html
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let a = args(cx, "Fn::Join", arg, 2, 2)?;
    let (d, l) = match a {
        [d, l] => (d, l),
        _ => return Err(cx.err(arg.pos, "Fn::Join takes [delimiter, list]")),
    };
    let delim = match cx.resolve(env, d)?.text() {
        Ok(s) => s,
        Err(_) => return Err(cx.err(d.pos, "Fn::Join: the delimiter must be a string")),
    };
    let list = cx.resolve(env, l)?;
    let items = match list.items() {
        Ok(i) => i,
        Err(w) => return Ok(V::unknown(format!("Fn::Join of {w}"), at)),
    };
    if let [one @ V {
        val: Val::Res(_), ..
    }] = items.as_slice()
    {
        return Ok(one.clone());
    }
    // Joined with commas, resources form a list lowering reads as ids; joined into other text
    // (`arn:…:` + Ref), their physical names are assigned by AWS.
    let list_like = delim.chars().all(|c| c == ',' || c.is_whitespace()) && !delim.is_empty();
    if let Some(V {
        val: Val::Res(id), ..
    }) = items.iter().find(|i| matches!(i.val, Val::Res(_)))
    {
        if !list_like {
            return Ok(V::unknown(
                format!("Fn::Join embeds the physical name of {id}, which AWS assigns"),
                at,
            ));
        }
    }
    let mut parts = Vec::with_capacity(items.len());
    for i in &items {
        match i.text() {
            Ok(s) => parts.push(s),
            Err(w) => return Ok(V::unknown(format!("Fn::Join uses {w}"), at)),
        }
    }
    Ok(V::scalar(&parts.join(&delim), at))
}
