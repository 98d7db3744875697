//! Template parameters that stand for an AWS-managed prefix list, declared in the template's
//! `Metadata`:
//!
//! ```yaml
//! Metadata:
//!   moat:
//!     managed_prefix_lists:
//!       S3PrefixListId: s3     # com.amazonaws.<region>.s3
//! ```
//!
//! A template cannot look a prefix list's id up (it differs per region), so a rule such as
//! "TCP 443 to S3 through the gateway endpoint" names the list through a parameter. Given no
//! value, the parameter is bound to a symbolic id (its own name, like a resource's logical id)
//! and the model learns that this id is the list `com.amazonaws.<region>.<service>`: the reach
//! proof then knows the rule names S3's list. A value given for it (`--param`, a `Default`) is
//! only an id, whose list moat cannot tell offline, so it stays unknown in the proof.
//! `moat deploy` reads the same declaration to fill the parameter from
//! `DescribeManagedPrefixLists`. Source for the names:
//! https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html

use crate::node::{Node, Pos};
use crate::Error;

/// One declared parameter: its name, the service whose list it holds (`s3`), and where the
/// declaration is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPrefixListParam {
    pub parameter: String,
    pub service: String,
    /// Line of the declaration (1-based).
    pub line: u32,
}

/// The declarations of template `tpl` (from `file`), each checked: a service name of lower-case
/// letters, digits, dots and dashes, and a parameter the template declares.
pub(crate) fn declared(file: &str, tpl: &Node) -> Result<Vec<ManagedPrefixListParam>, Error> {
    let Some(decl) = tpl
        .get("Metadata")
        .and_then(|m| m.get("moat"))
        .and_then(|m| m.get("managed_prefix_lists"))
    else {
        return Ok(Vec::new());
    };
    let err = |pos: Pos, msg: String| Error::Template {
        file: file.to_string(),
        line: pos.line,
        col: pos.col,
        msg,
    };
    let Some(entries) = decl.as_map() else {
        return Err(err(
            decl.pos,
            "Metadata.moat.managed_prefix_lists must map parameter names to services (S3PrefixListId: s3)".into(),
        ));
    };
    let params = tpl.get("Parameters");
    let mut out = Vec::new();
    for (k, v) in entries {
        let service = v.as_str().map(str::trim).unwrap_or_default();
        let valid = !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !valid {
            return Err(err(
                v.pos,
                format!("managed prefix list parameter {} must name a service such as `s3` (the list com.amazonaws.<region>.<service>)", k.name),
            ));
        }
        if params.and_then(|p| p.get(&k.name)).is_none() {
            return Err(err(
                k.pos,
                format!(
                    "Metadata.moat.managed_prefix_lists names parameter {}, which Parameters does not declare",
                    k.name
                ),
            ));
        }
        out.push(ManagedPrefixListParam {
            parameter: k.name.clone(),
            service: service.to_string(),
            line: k.pos.line,
        });
    }
    Ok(out)
}

/// The declared managed prefix list parameters of the template text `text` (named `name` in
/// errors): what `moat deploy` fills.
pub fn managed_prefix_list_parameters(
    name: &str,
    text: &str,
) -> Result<Vec<ManagedPrefixListParam>, Error> {
    let tpl = crate::parse::parse(name, text)?;
    declared(name, &tpl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declaration_and_rejects_bad_ones() {
        let ok = "Metadata:\n  moat:\n    managed_prefix_lists:\n      S3PrefixListId: s3\nParameters:\n  S3PrefixListId:\n    Type: String\nResources: {}\n";
        let d = managed_prefix_list_parameters("t.yml", ok).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].parameter.as_str(), d[0].service.as_str()),
            ("S3PrefixListId", "s3")
        );
        assert_eq!(d[0].line, 4);
        let undeclared =
            "Metadata:\n  moat:\n    managed_prefix_lists:\n      Nope: s3\nResources: {}\n";
        let e = managed_prefix_list_parameters("t.yml", undeclared)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.yml") && e.contains("Nope"), "{e}");
        let bad = "Metadata:\n  moat:\n    managed_prefix_lists:\n      P: [s3]\nParameters:\n  P: {Type: String}\nResources: {}\n";
        let e = managed_prefix_list_parameters("t.yml", bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains(":4:") || e.contains("4"), "{e}");
        assert!(managed_prefix_list_parameters("t.yml", "Resources: {}\n")
            .unwrap()
            .is_empty());
    }
}
