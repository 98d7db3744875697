//! `Fn::Sub`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html
//! `${Name}` is a Ref, `${Res.Attr}` a GetAtt, `${!Literal}` writes `${Literal}`.
use super::*;
use crate::value::Val;

pub fn eval(cx: &mut StackCx, env: &mut Env, arg: &Node, at: Pos) -> Result<V, Error> {
    let computed: String;
    let (tpl, vars) = match (arg.as_str(), arg.as_seq()) {
        (Some(s), _) => (s, None),
        // The string itself computed (a macro's `Fn::Transform` output).
        _ if arg.intrinsic().is_some() => match cx.resolve(env, arg)?.text() {
            Ok(t) => {
                computed = t;
                (computed.as_str(), None)
            }
            Err(w) => return Ok(V::unknown(format!("Fn::Sub of {w}"), at)),
        },
        (_, Some([s, m])) => match (s.as_str(), m.as_map()) {
            (Some(s), Some(m)) => (s, Some(m)),
            _ => return Err(cx.err(arg.pos, "Fn::Sub takes a string or [string, {variables}]")),
        },
        _ => return Err(cx.err(arg.pos, "Fn::Sub takes a string or [string, {variables}]")),
    };
    let mut out = String::with_capacity(tpl.len());
    let mut rest = tpl;
    let mut unknown: Option<String> = None;
    // Text written in the template (not substituted), and resources referenced.
    let mut literal = String::new();
    let mut resources: Vec<String> = Vec::new();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        literal.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(cx.err(at, "Fn::Sub: `${` without a closing `}`"));
        };
        let name = after[..end].trim();
        rest = &after[end + 1..];
        if let Some(lit) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(lit);
            out.push('}');
            literal.push_str(lit);
            continue;
        }
        let v = match vars.and_then(|m| m.iter().find(|(k, _)| k.name == name)) {
            Some((_, n)) => cx.resolve(env, n)?,
            None => match name.split_once('.') {
                Some((r, a)) if !r.starts_with("AWS::") => {
                    let n = Node {
                        kind: crate::node::Kind::Scalar {
                            text: format!("{r}.{a}"),
                            plain: true,
                        },
                        pos: at,
                    };
                    super::get_att::eval(cx, env, &n, at)?
                }
                _ => super::attributes::reference(cx, env, name, at)?,
            },
        };
        if let Val::Res(id) = &v.val {
            resources.push(id.clone());
        }
        match v.text() {
            Ok(s) => out.push_str(&s),
            Err(w) => {
                unknown.get_or_insert(w);
            }
        }
    }
    out.push_str(rest);
    literal.push_str(rest);
    if let Some(w) = unknown {
        return Ok(V::new(Val::Unknown(format!("Fn::Sub uses {w}")), at));
    }
    Ok(match resources.as_slice() {
        [] => V::scalar(&out, at),
        // `${Vpc}` alone is the Ref itself.
        [one] if literal.is_empty() => V::new(Val::Res(one.clone()), at),
        // `${SubnetA},${SubnetB}`: a list of resources, which lowering reads as ids.
        _ if literal.chars().all(|c| c == ',' || c.is_whitespace()) => V::str(out, at),
        // `arn:aws:s3:::${Bucket}/*`: the physical name inside is assigned by AWS.
        [first, ..] => V::unknown(
            format!("Fn::Sub embeds the physical name of {first}, which AWS assigns"),
            at,
        ),
    })
}
