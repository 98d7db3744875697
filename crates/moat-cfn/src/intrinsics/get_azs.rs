//! `Fn::GetAZs`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getavailabilityzones.html
//! The zone names depend on the account, so the result stays symbolic (`Val::Azs`); `Fn::Select`
//! of it is an unknown that names the index.
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let v = cx.resolve(env, arg)?;
    Ok(match v.text() {
        // An empty string means the stack's own region.
        Ok(r) if r.is_empty() => V::new(Val::Azs(cx.region.clone()), at),
        Ok(r) => V::new(Val::Azs(r), at),
        Err(w) => V::unknown(format!("Fn::GetAZs of an unknown region ({w})"), at),
    })
}
