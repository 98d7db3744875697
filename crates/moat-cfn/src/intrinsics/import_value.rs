//! `Fn::ImportValue`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html
//! Resolved to the output of the stack among the inputs that exports the name; unknown (saying
//! what settles it) when no input does.
use super::*;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    match cx.resolve(env, arg)?.text() {
        Ok(name) => crate::deployment::import_value(env, &name, at),
        Err(w) => Ok(V::unknown(
            format!("Fn::ImportValue of an unknown export name ({w})"),
            at,
        )),
    }
}
