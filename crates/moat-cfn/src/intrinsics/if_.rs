//! `Fn::If`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html#intrinsic-function-reference-conditions-if
use super::*;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let a = args(cx, "Fn::If", arg, 3, 3)?;
    let (c, t, f) = match a {
        [c, t, f] => (c, t, f),
        _ => return Err(cx.err(arg.pos, "Fn::If takes [condition, then, else]")),
    };
    let Some(name) = c.as_str() else {
        return Err(cx.err(c.pos, "Fn::If: the condition must be a condition name"));
    };
    let b = cx.condition(env, name, c.pos)?;
    let mut v = cx.resolve(env, if b { t } else { f })?;
    if v.pos == Pos::default() {
        v.pos = at;
    }
    Ok(v)
}
