//! `Fn::Base64`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-base64.html
use super::*;
use ::base64::Engine;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    Ok(match cx.resolve(env, arg)?.text() {
        Ok(s) => V::str(::base64::engine::general_purpose::STANDARD.encode(s), at),
        Err(w) => V::unknown(format!("Fn::Base64 of {w}"), at),
    })
}
