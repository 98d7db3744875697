//! `Metadata: moat: ignore: [{code, reason}]` on a resource → [`moat_model::Waiver`]s.
//!
//! ```yaml
//! TaskSecurityGroup:
//!   Type: AWS::EC2::SecurityGroup
//!   Metadata:
//!     moat:
//!       ignore:
//!         - code: MOAT011
//!           reason: "RISK-142: the payments partner needs 0.0.0.0/0:443 until 2027-03"
//! ```
//!
//! Metadata is not resolved (CloudFormation does not resolve intrinsics there either); every
//! entry needs a rule code and a non-empty reason, else the template is rejected at the
//! entry's line.

use crate::node::Node;
use crate::stack::StackCx;
use crate::Error;
use moat_model::{Provenance, Waiver, WaiverKind};

/// The waivers written on resource `r`, for findings on `resource`.
pub fn lower(cx: &StackCx, r: &Node, resource: &str) -> Result<Vec<Waiver>, Error> {
    let Some(ignore) = r
        .get("Metadata")
        .and_then(|m| m.get("moat"))
        .and_then(|m| m.get("ignore"))
    else {
        return Ok(Vec::new());
    };
    let Some(entries) = ignore.as_seq() else {
        return Err(cx.err(
            ignore.pos,
            "Metadata.moat.ignore must be a list of {code, reason}",
        ));
    };
    let mut out = Vec::new();
    for e in entries {
        let text = |key: &str| e.get(key).and_then(Node::as_str).map(str::trim);
        let Some(code) = text("code").filter(|c| !c.is_empty()) else {
            return Err(cx.err(
                e.pos,
                "a moat ignore entry needs `code` (a rule code such as MOAT101)",
            ));
        };
        let Some(reason) = text("reason").filter(|r| !r.is_empty()) else {
            return Err(cx.err(
                e.pos,
                format!("the moat ignore entry for {code} needs a `reason`: a waiver documents why the exception is accepted"),
            ));
        };
        out.push(Waiver {
            resource: resource.to_string(),
            code: code.to_string(),
            message: None,
            reason: reason.to_string(),
            kind: WaiverKind::InSource,
            prov: Provenance::at(resource, cx.file.clone(), e.pos.line, e.pos.col),
        });
    }
    Ok(out)
}
