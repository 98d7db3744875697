//! `Fn::GetAtt`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html
//! Nested stack outputs (`Child.Outputs.Name`):
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stack.html#aws-resource-cloudformation-stack-return-values
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let (res, attr) = match (arg.as_str(), arg.as_seq()) {
        (Some(s), _) => match s.split_once('.') {
            Some((r, a)) => (r.to_string(), a.to_string()),
            None => return Err(cx.err(arg.pos, "Fn::GetAtt takes `Resource.Attribute`")),
        },
        (_, Some([r, a])) => {
            // With the LanguageExtensions transform the logical id may be computed
            // (`!Sub "Bucket${Id}"` inside Fn::ForEach).
            let r = match r.as_str() {
                Some(r) => r.to_string(),
                None if r.intrinsic().is_some() => match cx.resolve(env, r)?.text() {
                    Ok(s) => s,
                    Err(_) => return Err(cx.err(r.pos, "Fn::GetAtt: the logical id must be known")),
                },
                None => {
                    return Err(cx.err(r.pos, "Fn::GetAtt: the logical id must be a string"));
                }
            };
            let a = match cx.resolve(env, a)?.text() {
                Ok(a) => a,
                Err(w) => {
                    return Ok(V::unknown(
                        format!("Fn::GetAtt {r}: attribute name unknown ({w})"),
                        at,
                    ))
                }
            };
            (r, a)
        }
        _ => {
            return Err(cx.err(
                arg.pos,
                "Fn::GetAtt takes `Resource.Attribute` or [Resource, Attribute]",
            ))
        }
    };
    let Some(ty) = cx.types.get(&res).cloned() else {
        if let Some(v) = super::attributes::module_resource(cx, &res, at) {
            return Ok(v);
        }
        return Err(Error::UnknownRef {
            file: cx.file.clone(),
            line: at.line,
            col: at.col,
            name: res,
        });
    };
    if matches!(
        ty.as_str(),
        "AWS::CloudFormation::Stack" | "AWS::Serverless::Application"
    ) {
        if let Some(out) = attr.strip_prefix("Outputs.") {
            return cx.child_output(env, &res, out, at);
        }
    }
    if let Some(v) = super::attributes::get_att(cx, env, &res, &ty, &attr, at)? {
        return Ok(v);
    }
    Ok(V::new(
        Val::Att {
            res: format!("{}{res}", cx.prefix),
            attr,
        },
        at,
    ))
}
