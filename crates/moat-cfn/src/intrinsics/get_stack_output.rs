//! `Fn::GetStackOutput {StackName, OutputName, Region, RoleArn}`:
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html
//! Resolved to the output of the named stack when it is among the inputs (CDK writes cross-stack
//! references this way with its recommended feature flags); unknown, saying what settles it,
//! when it is not.
use super::*;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    if arg.as_map().is_none() {
        return Err(cx.err(
            arg.pos,
            "Fn::GetStackOutput takes a mapping {StackName, OutputName, Region, RoleArn}",
        ));
    }
    let field = |cx: &mut StackCx, env: &mut Env, key: &str| -> Result<_, Error> {
        Ok(match arg.get(key) {
            Some(n) => Some(cx.resolve(env, n)?.text()),
            None => None,
        })
    };
    let stack = field(cx, env, "StackName")?;
    let output = field(cx, env, "OutputName")?;
    let region = field(cx, env, "Region")?;
    let (Some(stack), Some(output)) = (stack, output) else {
        return Err(cx.err(arg.pos, "Fn::GetStackOutput needs StackName and OutputName"));
    };
    let (stack, output) = match (stack, output) {
        (Ok(s), Ok(o)) => (s, o),
        (Err(w), _) | (_, Err(w)) => {
            return Ok(V::unknown(
                format!("Fn::GetStackOutput of an unknown stack or output name ({w})"),
                at,
            ))
        }
    };
    let region = match region {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(w)) => {
            return Ok(V::unknown(
                format!("Fn::GetStackOutput {stack}.{output}: unknown region ({w})"),
                at,
            ))
        }
    };
    crate::deployment::get_stack_output(cx, env, &stack, &output, region.as_deref(), at)
}
