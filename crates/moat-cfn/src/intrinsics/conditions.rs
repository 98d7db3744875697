//! Condition functions `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`:
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
//! `None` means "cannot be known before deployment".
use super::*;

/// Evaluate a condition expression.
pub fn eval(cx: &mut StackCx, env: &mut Env, node: &Node) -> Result<Option<bool>, Error> {
    let Some((k, arg)) = node.intrinsic() else {
        // A literal (e.g. from a parameter resolved into a condition position).
        return Ok(match cx.resolve(env, node)?.text() {
            Ok(s) => bool_text(&s),
            Err(_) => None,
        });
    };
    match k.name.as_str() {
        "Fn::Equals" => {
            let a = args(cx, "Fn::Equals", arg, 2, 2)?;
            let (x, y) = match a {
                [x, y] => (cx.resolve(env, x)?, cx.resolve(env, y)?),
                _ => return Err(cx.err(arg.pos, "Fn::Equals takes two values")),
            };
            Ok(match (&x.val, &y.val) {
                (crate::value::Val::Str(a), crate::value::Val::Str(b)) if a == b => Some(true),
                // An unknown region stands as a placeholder: equal only to itself, and
                // compared with anything else the answer depends on the region.
                (crate::value::Val::Str(a), crate::value::Val::Str(b))
                    if a.contains(moat_model::UNKNOWN_REGION)
                        || b.contains(moat_model::UNKNOWN_REGION) =>
                {
                    None
                }
                (crate::value::Val::Str(_), crate::value::Val::Str(_)) => Some(false),
                // A resource's physical id is assigned by AWS: unknown against any text.
                (crate::value::Val::Res(_), _) | (_, crate::value::Val::Res(_)) => None,
                (crate::value::Val::List(_), crate::value::Val::List(_)) => Some(x.val == y.val),
                _ => None,
            })
        }
        "Fn::And" | "Fn::Or" => {
            let a = args(cx, &k.name, arg, 2, 10)?;
            let and = k.name == "Fn::And";
            let mut unknown = false;
            for n in a {
                match eval(cx, env, n)? {
                    Some(b) if b != and => return Ok(Some(b)),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
            Ok(if unknown { None } else { Some(and) })
        }
        "Fn::Not" => {
            let a = args(cx, "Fn::Not", arg, 1, 1)?;
            match a.first() {
                Some(n) => Ok(eval(cx, env, n)?.map(|b| !b)),
                None => Err(cx.err(arg.pos, "Fn::Not takes one condition")),
            }
        }
        "Condition" => match arg.as_str() {
            Some(name) => cx.condition(env, name, arg.pos).map(Some),
            None => Err(cx.err(arg.pos, "Condition takes a condition name")),
        },
        "Fn::If" => {
            let v = cx.resolve(env, node)?;
            Ok(v.text().ok().and_then(|s| bool_text(&s)))
        }
        _ => Ok(cx
            .resolve(env, node)?
            .text()
            .ok()
            .and_then(|s| bool_text(&s))),
    }
}

fn bool_text(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A condition function used where a value is expected: CloudFormation accepts these only in
/// the Conditions section (and as `Fn::If`'s condition name), so this is a template error.
pub fn eval_value(cx: &mut StackCx, _env: &mut Env, _arg: &Node, at: Pos) -> Result<V, Error> {
    Err(cx.err(
        at,
        "condition functions (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition) belong in the Conditions section",
    ))
}
