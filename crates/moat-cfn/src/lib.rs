//! CloudFormation templates in, [`moat_model::Model`] out.
//!
//! `moat check` proves a template isolated and working before deployment; the rules run only on
//! the model, so this crate turns templates (YAML with short-form tags, or JSON; nested stacks
//! through local `TemplateURL` / `Location` paths) into models:
//!
//! * **Parsing keeps positions**: every node has its 1-based line and column, and every model
//!   element's [`moat_model::Provenance`] points at its logical id (and, through
//!   `Provenance::fields`, at the properties rules care about).
//! * **Intrinsics are resolved, never guessed**: one file per function under `intrinsics/`;
//!   what cannot be known before deployment (a parameter without value, `Fn::ImportValue`, an
//!   attribute AWS assigns) is `Maybe::Unknown` with the reason.
//! * **Unknown conditions fork**: each combination of unknown conditions is one [`Scenario`],
//!   labelled with its assumptions (capped by [`LoadOptions::max_scenarios`]).
//!
//! ```
//! use moat_cfn::{load_str, LoadOptions};
//! let opts = LoadOptions { region: Some("eu-west-1".into()), account_id: Some("123456789012".into()),
//!     ..LoadOptions::default() };
//! let tpl = "Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n";
//! let loaded = load_str("vpc.yml", tpl, &opts).unwrap();
//! let model = &loaded.roots[0].scenarios[0].model;
//! assert_eq!(model.vpcs[0].id.as_str(), "VPC");
//! assert_eq!(model.vpcs[0].prov.line, Some(2));
//! ```

mod cycles;
mod deployment;
pub mod discover;
mod intrinsics;
mod load;
mod lower;
mod nested;
mod node;
mod parse;
pub mod prefix_lists;
mod region;
mod resolve;
mod sam;
mod stack;
pub mod stage;
mod value;

pub use load::{load_paths, load_roots, load_str};
pub use prefix_lists::{managed_prefix_list_parameters, ManagedPrefixListParam};

use moat_model::Model;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the caller decides (the CLI fills these and prints the defaults it chose, so nothing is
/// guessed in here).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `AWS::Region`, also used for `Fn::GetAZs ""` and service names (`--region`, else
    /// `AWS_REGION` / `AWS_DEFAULT_REGION`). `None`: each stack's cloud assembly environment,
    /// else the one region its template's literals name, else unknown
    /// ([`moat_model::UNKNOWN_REGION`]); never a default.
    pub region: Option<String>,
    /// `AWS::AccountId` (`--account-id`). `None`: each stack's cloud assembly environment, else
    /// the one account its template's ARNs and ECR registries name, else unknown
    /// ([`moat_model::UNKNOWN_ACCOUNT`]); never a default.
    pub account_id: Option<String>,
    /// `AWS::StackName` of a single root (several roots are named by their file stem, or by the
    /// cloud assembly).
    pub stack_name: String,
    /// Root stack parameter values (`--param K=V`, a parameter file), overriding defaults.
    pub parameters: BTreeMap<String, String>,
    /// Most scenarios (combinations of unknown conditions) per root; beyond, a note says so.
    pub max_scenarios: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            region: None,
            account_id: None,
            stack_name: "stack".into(),
            parameters: BTreeMap::new(),
            max_scenarios: 64,
        }
    }
}

/// Every root template loaded, and the text of every file read (for source snippets).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub roots: Vec<LoadedRoot>,
    pub sources: Vec<SourceFile>,
}

/// One root stack to load: a template file, or a stack of a CDK cloud assembly (with the name
/// and environment its manifest gives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootInput {
    pub path: PathBuf,
    pub stack_name: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    /// Loaded only for the outputs other roots import (a cloud assembly stack left out by
    /// `--stack`): not checked on its own.
    pub producer_only: bool,
}

impl RootInput {
    /// A template file, named and placed by the load options.
    pub fn file(path: PathBuf) -> Self {
        RootInput {
            path,
            stack_name: None,
            region: None,
            account_id: None,
            producer_only: false,
        }
    }
}

/// One deployment checked as one model: a root template alone, or root stacks that import from
/// each other.
#[derive(Debug, Clone)]
pub struct LoadedRoot {
    /// The first root stack's template.
    pub path: PathBuf,
    /// Every root stack's template in this model (`path` first).
    pub stacks: Vec<PathBuf>,
    pub scenarios: Vec<Scenario>,
    /// Problems that are not fatal (ignored resource types, remote nested stacks, …).
    pub notes: Vec<String>,
}

/// One model under one set of assumptions about unknown conditions.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `(condition, value)`; the condition is prefixed with its stack path (`VpcStack/IsProd`).
    pub assumptions: Vec<(String, bool)>,
    pub model: Model,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Why a template could not be loaded. Every variant names the file and 1-based line:column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("no CloudFormation template found in {}", paths.join(", "))]
    NoTemplate { paths: Vec<String> },
    #[error("{file}: not a CloudFormation template ({why})")]
    NotATemplate { file: String, why: String },
    #[error("{file}: cannot read: {msg}")]
    Read { file: String, msg: String },
    #[error("{file}:{line}:{col}: {msg}")]
    Syntax {
        file: String,
        line: u32,
        col: u32,
        msg: String,
    },
    #[error("{file}:{line}:{col}: duplicate key `{key}` (first at line {first_line})")]
    DuplicateKey {
        file: String,
        line: u32,
        col: u32,
        key: String,
        first_line: u32,
    },
    #[error("{file}:{line}:{col}: unknown intrinsic function `{name}`")]
    UnknownIntrinsic {
        file: String,
        line: u32,
        col: u32,
        name: String,
    },
    #[error("{file}:{line}:{col}: {msg}")]
    Intrinsic {
        file: String,
        line: u32,
        col: u32,
        msg: String,
    },
    #[error("{file}:{line}:{col}: `{name}` is not a parameter, pseudo parameter or resource of this template")]
    UnknownRef {
        file: String,
        line: u32,
        col: u32,
        name: String,
    },
    #[error("{file}:{line}:{col}: nested template `{path}` not found")]
    MissingTemplate {
        file: String,
        line: u32,
        col: u32,
        path: String,
    },
    #[error("{file}:{line}:{col}: circular dependency: {what}")]
    Cycle {
        file: String,
        line: u32,
        col: u32,
        what: String,
    },
    #[error("{file}:{line}:{col}: {msg}")]
    Template {
        file: String,
        line: u32,
        col: u32,
        msg: String,
    },
}

/// Read a CloudFormation parameter file (`[{"ParameterKey": …, "ParameterValue": …}]`, as
/// `aws cloudformation create-stack --parameters file://…` takes) into a parameter map.
pub fn parse_parameter_file(name: &str, text: &str) -> Result<BTreeMap<String, String>, Error> {
    let bad = |msg: String| Error::Syntax {
        file: name.to_string(),
        line: 1,
        col: 1,
        msg,
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Syntax {
        file: name.to_string(),
        line: u32::try_from(e.line()).unwrap_or(0),
        col: u32::try_from(e.column()).unwrap_or(0),
        msg: e.to_string(),
    })?;
    let Some(items) = v.as_array() else {
        return Err(bad(
            "a parameter file is a JSON list of {ParameterKey, ParameterValue}".into(),
        ));
    };
    let mut out = BTreeMap::new();
    for it in items {
        let k = it.get("ParameterKey").and_then(|k| k.as_str());
        let val = it.get("ParameterValue").and_then(|k| k.as_str());
        match (k, val) {
            (Some(k), Some(v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            // `UsePreviousValue` entries have no value to check against.
            (Some(_), None) => {}
            _ => return Err(bad("every entry needs ParameterKey".into())),
        }
    }
    Ok(out)
}
