//! Intrinsic functions, one file each, behind one dispatch table.
//! Reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html

use crate::node::{Key, Node, Pos};
use crate::stack::{Env, StackCx};
use crate::value::V;
use crate::Error;

pub mod attributes;
mod base64;
mod cidr;
pub mod conditions;
mod find_in_map;
pub mod for_each;
mod get_att;
mod get_azs;
mod get_stack_output;
mod if_;
mod import_value;
mod join;
mod misc;
mod ref_;
mod rules;
mod select;
mod split;
mod sub;

type Intrinsic = fn(&mut StackCx, &mut Env, &Node, Pos) -> Result<V, Error>;

const TABLE: &[(&str, Intrinsic)] = &[
    ("Ref", ref_::eval),
    ("Fn::Sub", sub::eval),
    ("Fn::GetAtt", get_att::eval),
    ("Fn::If", if_::eval),
    ("Fn::Select", select::eval),
    ("Fn::Join", join::eval),
    ("Fn::Split", split::eval),
    ("Fn::FindInMap", find_in_map::eval),
    ("Fn::GetAZs", get_azs::eval),
    ("Fn::ImportValue", import_value::eval),
    ("Fn::GetStackOutput", get_stack_output::eval),
    ("Fn::Base64", base64::eval),
    ("Fn::Cidr", cidr::eval),
    ("Fn::Equals", conditions::eval_value),
    ("Fn::And", conditions::eval_value),
    ("Fn::Or", conditions::eval_value),
    ("Fn::Not", conditions::eval_value),
    ("Condition", conditions::eval_value),
    ("Fn::Transform", misc::transform),
    ("Fn::Length", misc::length),
    ("Fn::ToJsonString", misc::to_json_string),
    ("Fn::Contains", rules::eval),
    ("Fn::EachMemberEquals", rules::eval),
    ("Fn::EachMemberIn", rules::eval),
    ("Fn::RefAll", rules::eval),
    ("Fn::ValueOf", rules::eval),
    ("Fn::ValueOfAll", rules::eval),
];

pub fn dispatch(cx: &mut StackCx, env: &mut Env, k: &Key, arg: &Node, at: Pos) -> Result<V, Error> {
    match TABLE.iter().find(|(n, _)| *n == k.name) {
        Some((_, f)) => f(cx, env, arg, at),
        None => Err(Error::UnknownIntrinsic {
            file: cx.file.clone(),
            line: k.pos.line,
            col: k.pos.col,
            name: k.name.clone(),
        }),
    }
}

/// The items of an argument that must be a list of exactly `n` (or `n..=max`) nodes.
pub fn args<'a>(
    cx: &StackCx,
    name: &str,
    arg: &'a Node,
    n: usize,
    max: usize,
) -> Result<&'a [Node], Error> {
    match arg.as_seq() {
        Some(items) if items.len() >= n && items.len() <= max => Ok(items),
        _ => Err(cx.err(
            arg.pos,
            if n == max {
                format!("{name} takes a list of {n} items")
            } else {
                format!("{name} takes a list of {n} to {max} items")
            },
        )),
    }
}
