//! `Ref`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html
use super::*;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let Some(name) = arg.as_str() else {
        return Err(cx.err(arg.pos, "Ref takes a logical id or parameter name"));
    };
    super::attributes::reference(cx, env, name, at)
}
