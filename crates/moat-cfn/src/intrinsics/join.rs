//! `Fn::Join`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-join.html
use super::*;

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
    let mut parts = Vec::with_capacity(items.len());
    for i in &items {
        match i.text() {
            Ok(s) => parts.push(s),
            Err(w) => return Ok(V::unknown(format!("Fn::Join uses {w}"), at)),
        }
    }
    Ok(V::str(parts.join(&delim), at))
}
