//! Resolved values: what a node means once parameters, conditions and intrinsics are applied.

use crate::node::{Key, Pos};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Every scalar (CloudFormation passes numbers and booleans as strings too). A `Ref` to a
    /// resource resolves to the resource's model id (`VpcStack/PrivateSubnetOne`).
    Str(String),
    /// A `Ref` to a resource of the template: its model id (`VpcStack/PrivateSubnetOne`).
    /// Kept apart from text so that embedding it in a larger string (`arn:…:${Bucket}`) is
    /// seen as the AWS-assigned physical name it is, not taken for the id.
    Res(String),
    List(Vec<V>),
    Map(Vec<(Key, V)>),
    /// `Fn::GetAtt` of an attribute AWS assigns; lowering reads some (a role's `Arn` names the
    /// role, a group's `GroupId` names the group), anything else treats it as unknown.
    Att {
        res: String,
        attr: String,
    },
    /// `Fn::GetAZs region`: the names exist only in the account.
    Azs(String),
    Unknown(String),
    /// `AWS::NoValue`: the property or list item is removed.
    NoValue,
}

/// A resolved value with the position of the node it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct V {
    pub val: Val,
    pub pos: Pos,
}

impl V {
    /// A scalar as written: text, or an unknown when it holds a dynamic reference
    /// (`{{resolve:ssm:…}}`, `{{resolve:secretsmanager:…}}`), which CloudFormation reads at
    /// deployment: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
    pub fn scalar(text: &str, pos: Pos) -> V {
        match dynamic_reference(text) {
            Some(r) => V::unknown(format!("dynamic reference {r} is read at deployment"), pos),
            None => V::str(text, pos),
        }
    }
    pub fn new(val: Val, pos: Pos) -> V {
        V { val, pos }
    }
    pub fn str(s: impl Into<String>, pos: Pos) -> V {
        V {
            val: Val::Str(s.into()),
            pos,
        }
    }
    pub fn unknown(why: impl Into<String>, pos: Pos) -> V {
        V {
            val: Val::Unknown(why.into()),
            pos,
        }
    }
    pub fn get(&self, key: &str) -> Option<&V> {
        match &self.val {
            Val::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) | Val::Res(s) => Some(s),
            _ => None,
        }
    }
    /// The value as text, or why it is not known as text.
    pub fn text(&self) -> Result<String, String> {
        match &self.val {
            Val::Str(s) | Val::Res(s) => Ok(s.clone()),
            Val::Unknown(w) => Err(w.clone()),
            Val::Att { res, attr } => Err(format!("{res}.{attr} is assigned by AWS")),
            Val::Azs(r) => Err(format!("availability zones of {r} (Fn::GetAZs)")),
            Val::NoValue => Err("AWS::NoValue".into()),
            Val::List(_) | Val::Map(_) => {
                Err("a list or mapping where a string was expected".into())
            }
        }
    }
    /// Items of a list value; a comma-separated string (a `CommaDelimitedList` or `List<…>`
    /// parameter passed as text) splits into items.
    pub fn items(&self) -> Result<Vec<V>, String> {
        match &self.val {
            Val::List(l) => Ok(l
                .iter()
                .filter(|v| v.val != Val::NoValue)
                .cloned()
                .collect()),
            Val::Res(_) => Ok(vec![self.clone()]),
            Val::Str(s) if s.is_empty() => Ok(Vec::new()),
            Val::Str(s) => Ok(s.split(',').map(|p| V::str(p.trim(), self.pos)).collect()),
            _ => Err(self.text().err().unwrap_or_default()),
        }
    }
}

/// A fully known value as JSON (policy documents); anything unknown makes it unknown.
pub fn to_json(v: &V) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match &v.val {
        Val::Str(s) | Val::Res(s) => J::String(s.clone()),
        Val::List(l) => J::Array(l.iter().map(to_json).collect::<Result<_, _>>()?),
        Val::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| Ok((k.name.clone(), to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        _ => return Err(v.text().err().unwrap_or_default()),
    })
}

/// The random suffix of a secret's ARN, as moat writes it: `-` and six `?`, each `?` standing
/// for exactly one character AWS chose. The same text is IAM's pattern for "any six
/// characters", so an ARN that carries it reads correctly on both sides of a match:
///
/// * as a **needed resource** (a task's `valueFrom`, a `Ref` to the secret) it is the set of the
///   secret's possible ARNs. A grant covers it when it matches every member: `…:secret:db-??????`
///   and `…:secret:db-*` do, `…:secret:db` does not (the real ARN is longer), and a grant naming
///   six literal characters (`…:secret:db-AbC123`) only may: the suffix is unknown.
/// * as a **grant** written with `Ref`/`GetAtt` to the secret it is exactly what CloudFormation
///   writes (the one secret of that name in the account and region; names are unique).
///
/// Consumers: in moat-verify, `?` in a needed resource is "one unknown character"; it is covered
/// by a grant's `?` or `*`, and by a literal character only as "unproved".
pub const SECRET_SUFFIX: &str = "-??????";

/// The ARN a Secrets Manager `valueFrom` or grant names, with AWS's random suffix written as
/// [`SECRET_SUFFIX`] when the text gives only the secret's name (a *partial* ARN, as CDK's
/// `Secret.fromSecretNameV2` writes): `arn:aws:secretsmanager:r:a:secret:db` and
/// `…:secret:db:password::` become `…:secret:db-??????` (`…:password::`). A name that already
/// ends in `-` and six letters or digits is taken as a full ARN, as Secrets Manager does
/// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
/// `None`: not a Secrets Manager secret ARN, or already complete.
pub fn complete_secret_arn(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.splitn(8, ':').collect();
    if parts.len() < 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[5] != "secret"
    {
        return None;
    }
    let name = parts[6];
    let suffixed = name.len() > 7
        && name.as_bytes()[name.len() - 7] == b'-'
        && name[name.len() - 6..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric());
    if name.is_empty() || suffixed || name.ends_with(SECRET_SUFFIX) || name.contains(['*', '?']) {
        return None;
    }
    let mut out = parts[..6].join(":");
    out.push(':');
    out.push_str(name);
    out.push_str(SECRET_SUFFIX);
    if let Some(rest) = parts.get(7) {
        out.push(':');
        out.push_str(rest);
    }
    Some(out)
}

/// The first dynamic reference (`{{resolve:service:…}}`) in `text`, if any.
pub fn dynamic_reference(text: &str) -> Option<&str> {
    let start = text.find("{{resolve:")?;
    let end = text[start..]
        .find("}}")
        .map_or(text.len(), |e| start + e + 2);
    Some(&text[start..end])
}

/// The value of template parameter `name` of type `ty` bound to `v`. A parameter of an SSM
/// parameter type (`AWS::SSM::Parameter::Value<…>`) is given the *name* of a Systems Manager
/// parameter; CloudFormation reads its value at deployment, so the value is unknown here.
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html#aws-ssm-parameter-types
pub fn parameter_value(name: &str, ty: Option<&str>, v: V) -> V {
    if !ty.is_some_and(|t| t.trim().starts_with("AWS::SSM::Parameter::Value<")) {
        return v;
    }
    match v.text() {
        Ok(key) => V::unknown(
            format!("parameter {name} is the value of SSM parameter {key}, read at deployment"),
            v.pos,
        ),
        Err(_) => v,
    }
}
