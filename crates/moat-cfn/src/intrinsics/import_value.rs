//! `Fn::ImportValue`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html
//! Another stack's export exists only in the account: always unknown here.
use super::*;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let name = match cx.resolve(env, arg)?.text() {
        Ok(s) => s,
        Err(w) => format!("<{w}>"),
    };
    Ok(V::unknown(format!("Fn::ImportValue {name}"), at))
}
