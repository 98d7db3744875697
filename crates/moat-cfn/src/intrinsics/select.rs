//! `Fn::Select`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-select.html
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let a = args(cx, "Fn::Select", arg, 2, 2)?;
    let (i, l) = match a {
        [i, l] => (i, l),
        _ => return Err(cx.err(arg.pos, "Fn::Select takes [index, list]")),
    };
    let idx = match cx.resolve(env, i)?.text() {
        Ok(s) => match s.trim().parse::<usize>() {
            Ok(n) => n,
            Err(_) => return Err(cx.err(i.pos, format!("Fn::Select: index `{s}` is not a number"))),
        },
        Err(w) => return Ok(V::unknown(format!("Fn::Select index unknown ({w})"), at)),
    };
    let list = cx.resolve(env, l)?;
    match &list.val {
        Val::Azs(region) => Ok(V::unknown(
            format!(
                "availability zone #{idx} of {region} (Fn::GetAZs; names are assigned per account)"
            ),
            at,
        )),
        Val::Unknown(w) => Ok(V::unknown(format!("Fn::Select from {w}"), at)),
        _ => match list.items() {
            Ok(items) => match items.get(idx) {
                Some(v) => Ok(v.clone()),
                None => Err(cx.err(
                    at,
                    format!(
                        "Fn::Select: index {idx} out of range ({} items)",
                        items.len()
                    ),
                )),
            },
            Err(w) => Ok(V::unknown(format!("Fn::Select from {w}"), at)),
        },
    }
}
