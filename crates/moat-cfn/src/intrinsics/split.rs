//! `Fn::Split`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-split.html
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let a = args(cx, "Fn::Split", arg, 2, 2)?;
    let (d, s) = match a {
        [d, s] => (d, s),
        _ => return Err(cx.err(arg.pos, "Fn::Split takes [delimiter, string]")),
    };
    let delim = match cx.resolve(env, d)?.text() {
        Ok(s) if !s.is_empty() => s,
        _ => return Err(cx.err(d.pos, "Fn::Split: the delimiter must be a non-empty string")),
    };
    Ok(match cx.resolve(env, s)?.text() {
        Ok(text) => V::new(
            Val::List(text.split(delim.as_str()).map(|p| V::str(p, at)).collect()),
            at,
        ),
        Err(w) => V::unknown(format!("Fn::Split of {w}"), at),
    })
}
