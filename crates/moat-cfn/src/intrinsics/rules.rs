//! Functions valid only in the `Rules` section (`Fn::Contains`, `Fn::EachMemberEquals`,
//! `Fn::EachMemberIn`, `Fn::RefAll`, `Fn::ValueOf`, `Fn::ValueOfAll`):
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/rules-section-structure.html
//! Rules validate parameter values at stack creation; moat does not evaluate them (the section is
//! parsed, so a template using them loads). Met anywhere else they are a template error, as in
//! CloudFormation.
use super::*;

pub fn eval(cx: &mut StackCx, _env: &mut Env, _arg: &Node, at: Pos) -> Result<V, Error> {
    Err(cx.err(
        at,
        "Rules functions (Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::RefAll, Fn::ValueOf, Fn::ValueOfAll) are valid only in the Rules section",
    ))
}
