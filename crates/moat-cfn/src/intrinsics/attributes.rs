//! What CloudFormation itself knows of a resource before creating it: `Ref` and `Fn::GetAtt`
//! values that follow from the template (a property as written, or an ARN built from an
//! explicit name with the stack's partition, region and account). Anything AWS assigns stays
//! `Val::Res` / `Val::Att`, which lowering reads as the resource's identity and text readers as
//! unknown.
//!
//! Return values, per resource type (the "Return values" section of each page under
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/):
//! - `AWS::EC2::VPC` (aws-resource-ec2-vpc.html): `CidrBlock` is the primary IPv4 block as
//!   given; `CidrBlockAssociations`, `DefaultSecurityGroup`, `DefaultNetworkAcl`, `Ipv6CidrBlocks`
//!   are ids AWS assigns. `VpcId` is the VPC itself (as `Ref` returns it).
//! - `AWS::EC2::Subnet` (aws-resource-ec2-subnet.html): `CidrBlock`, `AvailabilityZone`,
//!   `AvailabilityZoneId`, `VpcId` as given (AWS picks the zone when none is given); `SubnetId`
//!   is the subnet itself.
//! - `AWS::EC2::SecurityGroup` (aws-resource-ec2-securitygroup.html): `VpcId` as given;
//!   `GroupId` is the group itself (kept as `Val::Att`: lowering links it to the group).
//! - `AWS::ECR::Repository` (aws-resource-ecr-repository.html): `Ref` is the repository name;
//!   `Arn` is `arn:{partition}:ecr:{region}:{account}:repository/{name}`, `RepositoryUri`
//!   `{account}.dkr.ecr.{region}.{url suffix}/{name}`.
//! - `AWS::Logs::LogGroup` (aws-resource-logs-loggroup.html): `Ref` is the name; `Arn` is
//!   `arn:{partition}:logs:{region}:{account}:log-group:{name}:*`.
//! - `AWS::SecretsManager::Secret` (aws-resource-secretsmanager-secret.html): `Ref` and `Id` are
//!   the secret's ARN, `arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-XXXXXX`
//!   where Secrets Manager appends six random characters to the name
//!   (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html,
//!   "Secrets Manager adds a hyphen and six random characters after the secret name"). See
//!   [`crate::value::SECRET_SUFFIX`] for how that suffix is written.
//! - `AWS::SSM::Parameter` (aws-resource-ssm-parameter.html): `Ref` is the name; `Type` and
//!   `Value` as given.
//!
//! An ECR repository or log group without an explicit name gets one CloudFormation generates
//! (unpredictable). Its name is then written as [`assigned_name`], a stand-in that no real name
//! can equal (braces and spaces are not allowed in either), so that what the template says about
//! the one resource still connects: the image `{account}.dkr.ecr.{region}.amazonaws.com/{stand-in}`
//! that CDK's `ContainerImage.fromEcrRepository` writes is an ECR image of this region (its
//! endpoint and IAM needs follow), and a grant on `Fn::GetAtt Repo.Arn` names the same ARN as
//! the need. A grant naming some other literal repository never matches it; an IAM wildcard
//! does, as it would the real name.
use super::*;
use crate::value::{Val, SECRET_SUFFIX};
use std::rc::Rc;

/// The stand-in for the name CloudFormation generates for resource `id` (its model id).
pub fn assigned_name(id: &str) -> String {
    format!("{{AWS-assigned name of {id}}}")
}

/// The text of pseudo parameter `name` (partition, region, account), or why it is unknown.
fn pseudo(
    cx: &mut StackCx,
    env: &mut Env,
    name: &str,
    at: Pos,
) -> Result<Result<String, String>, Error> {
    Ok(cx.reference(env, name, at)?.text())
}

/// The node of property `prop` of resource `res` of this stack.
fn property(cx: &StackCx, res: &str, prop: &str) -> Option<Node> {
    cx.tpl
        .get("Resources")?
        .get(res)?
        .get("Properties")?
        .get(prop)
        .cloned()
}

/// A property's resolved value; `absent` explains its absence (what AWS does instead).
fn resolved_property(
    cx: &mut StackCx,
    env: &mut Env,
    res: &str,
    prop: &str,
    absent: &str,
    at: Pos,
) -> Result<V, Error> {
    match property(cx, res, prop) {
        Some(n) => {
            let mut v = cx.resolve(env, &n)?;
            v.pos = at;
            Ok(v)
        }
        None => Ok(V::unknown(format!("{res}.{prop} is not set: {absent}"), at)),
    }
}

/// Text built from pseudo parameters and the resource's explicit name; unknown if any part is.
fn arn_from_name(
    cx: &mut StackCx,
    env: &mut Env,
    res: &str,
    name_prop: &str,
    at: Pos,
    build: fn(&str, &str, &str, &str, &str) -> String,
    generated: bool,
) -> Result<Option<V>, Error> {
    let name = match property(cx, res, name_prop) {
        Some(n) => cx.resolve(env, &n)?.text(),
        None if generated => Ok(assigned_name(&format!("{}{res}", cx.prefix))),
        None => return Ok(None),
    };
    let partition = pseudo(cx, env, "AWS::Partition", at)?;
    let region = pseudo(cx, env, "AWS::Region", at)?;
    let account = pseudo(cx, env, "AWS::AccountId", at)?;
    let suffix = pseudo(cx, env, "AWS::URLSuffix", at)?;
    Ok(Some(match (name, partition, region, account, suffix) {
        (Ok(n), Ok(p), Ok(r), Ok(a), Ok(s)) => V::str(build(&n, &p, &r, &a, &s), at),
        (Err(w), ..) | (_, Err(w), ..) | (_, _, Err(w), ..) | (_, _, _, Err(w), _) => {
            V::unknown(format!("{res}: {w}"), at)
        }
        (.., Err(w)) => V::unknown(format!("{res}: {w}"), at),
    }))
}

fn secret_arn(n: &str, p: &str, r: &str, a: &str, _: &str) -> String {
    format!("arn:{p}:secretsmanager:{r}:{a}:secret:{n}{SECRET_SUFFIX}")
}

/// `Ref` of resource `res` of type `ty` when CloudFormation's answer follows from the template.
fn ref_known(
    cx: &mut StackCx,
    env: &mut Env,
    res: &str,
    ty: &str,
    at: Pos,
) -> Result<Option<V>, Error> {
    let name_prop = match ty {
        "AWS::ECR::Repository" => "RepositoryName",
        "AWS::Logs::LogGroup" => "LogGroupName",
        "AWS::SSM::Parameter" => "Name",
        "AWS::SecretsManager::Secret" => {
            return arn_from_name(cx, env, res, "Name", at, secret_arn, false);
        }
        _ => return Ok(None),
    };
    let Some(n) = property(cx, res, name_prop) else {
        // A generated name: see the module docs.
        return Ok(matches!(ty, "AWS::ECR::Repository" | "AWS::Logs::LogGroup")
            .then(|| V::str(assigned_name(&format!("{}{res}", cx.prefix)), at)));
    };
    let v = cx.resolve(env, &n)?;
    // An unknown name leaves the reference as the resource's identity.
    Ok(v.text().ok().map(|s| V::str(s, at)))
}

/// A resource that module `id` (a `…::MODULE` type) adds to the stack: modules prefix their
/// resources' logical ids with the module's, and their contents live in the CloudFormation
/// registry, so such a resource is unknown here.
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/module-ref-resources.html
pub fn module_resource(cx: &StackCx, name: &str, at: Pos) -> Option<V> {
    cx.types.iter().find_map(|(id, ty)| {
        (ty.ends_with("::MODULE") && name.len() > id.len() && name.starts_with(id.as_str())).then(
            || {
                V::unknown(
                    format!("{name} is a resource of module {id} ({ty}), defined in the CloudFormation registry"),
                    at,
                )
            },
        )
    })
}

/// `Ref name`: a parameter, pseudo parameter, or a resource — with its physical name or ARN
/// when the template fixes it (see the module docs), else the resource's model id.
pub fn reference(cx: &mut StackCx, env: &mut Env, name: &str, at: Pos) -> Result<V, Error> {
    if !cx.params.contains_key(name) {
        if let Some(ty) = cx.types.get(name).cloned() {
            if let Some(v) = ref_known(cx, env, name, &ty, at)? {
                return Ok(v);
            }
        } else if let Some(v) = module_resource(cx, name, at) {
            return Ok(v);
        }
    }
    cx.reference(env, name, at)
}

/// `Fn::GetAtt res.attr` when it follows from the template; `None` when AWS assigns it.
pub fn get_att(
    cx: &mut StackCx,
    env: &mut Env,
    res: &str,
    ty: &str,
    attr: &str,
    at: Pos,
) -> Result<Option<V>, Error> {
    let tpl = Rc::clone(&cx.tpl);
    if tpl.get("Resources").and_then(|r| r.get(res)).is_none() {
        // Generated by a transform (SAM): nothing is written in the template.
        return Ok(None);
    }
    let v = match (ty, attr) {
        // The resource's own id, as `Ref` returns it.
        ("AWS::EC2::VPC", "VpcId") | ("AWS::EC2::Subnet", "SubnetId") => {
            V::new(Val::Res(format!("{}{res}", cx.prefix)), at)
        }
        ("AWS::EC2::VPC", "CidrBlock") => resolved_property(
            cx,
            env,
            res,
            "CidrBlock",
            "the block comes from an IPAM pool",
            at,
        )?,
        ("AWS::EC2::Subnet", "CidrBlock" | "AvailabilityZone" | "AvailabilityZoneId" | "VpcId")
        | ("AWS::EC2::SecurityGroup", "VpcId")
        | ("AWS::SSM::Parameter", "Type" | "Value") => resolved_property(
            cx,
            env,
            res,
            attr,
            "AWS assigns it when the resource is created",
            at,
        )?,
        ("AWS::ECR::Repository", "Arn") => {
            match arn_from_name(
                cx,
                env,
                res,
                "RepositoryName",
                at,
                |n, p, r, a, _| format!("arn:{p}:ecr:{r}:{a}:repository/{n}"),
                true,
            )? {
                Some(v) => v,
                None => return Ok(None),
            }
        }
        ("AWS::ECR::Repository", "RepositoryUri") => {
            match arn_from_name(
                cx,
                env,
                res,
                "RepositoryName",
                at,
                |n, _, r, a, s| format!("{a}.dkr.ecr.{r}.{s}/{n}"),
                true,
            )? {
                Some(v) => v,
                None => return Ok(None),
            }
        }
        ("AWS::Logs::LogGroup", "Arn") => {
            match arn_from_name(
                cx,
                env,
                res,
                "LogGroupName",
                at,
                |n, p, r, a, _| format!("arn:{p}:logs:{r}:{a}:log-group:{n}:*"),
                true,
            )? {
                Some(v) => v,
                None => return Ok(None),
            }
        }
        ("AWS::SecretsManager::Secret", "Id") => {
            match arn_from_name(cx, env, res, "Name", at, secret_arn, false)? {
                Some(v) => v,
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}
