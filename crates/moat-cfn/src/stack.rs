//! The state loading shares: parsed files ([`Files`]), one scenario run across its stacks
//! ([`Env`]), one stack instance being resolved ([`StackCx`]), and the model edits held until
//! every stack is lowered ([`Pending`]).
//!
//! This module depends only on parsing and plain values; loading, resolution (`resolve`,
//! `intrinsics/`, `nested`) and lowering (`lower/`) all depend on it, never the other way round.

use crate::node::{Kind, Node, Pos};
use crate::value::V;
use crate::{Error, LoadOptions, SourceFile};
use moat_model::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Parsed files, read once and shared by every scenario.
#[derive(Default)]
pub struct Files {
    pub parsed: HashMap<PathBuf, Rc<Node>>,
    pub sources: Vec<SourceFile>,
}

impl Files {
    pub fn get(&mut self, path: &Path) -> Result<Rc<Node>, Error> {
        if let Some(n) = self.parsed.get(path) {
            return Ok(Rc::clone(n));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            file: path.display().to_string(),
            msg: e.to_string(),
        })?;
        self.add(path, text)
    }

    pub fn add(&mut self, path: &Path, text: String) -> Result<Rc<Node>, Error> {
        let node = Rc::new(crate::parse::parse(&path.display().to_string(), &text)?);
        self.sources.push(SourceFile {
            path: path.to_path_buf(),
            text,
        });
        self.parsed.insert(path.to_path_buf(), Rc::clone(&node));
        Ok(node)
    }
}

/// Everything one scenario run shares across its stacks.
pub struct Env<'a> {
    pub opts: &'a LoadOptions,
    pub files: &'a mut Files,
    pub assumptions: &'a BTreeMap<String, bool>,
    /// Unknown conditions met that the assumptions did not cover (assumed true this run).
    pub recorded: Vec<String>,
    /// Files of the stacks being loaded, root first, to find circular nesting.
    pub chain: Vec<PathBuf>,
    /// Nested template files met (so a directory run does not check them as roots).
    pub nested: HashSet<PathBuf>,
    pub notes: Vec<String>,
    pub model: Model,
    /// Model id -> resource type, over every stack.
    pub kinds: HashMap<String, String>,
    pub pending: Vec<Pending>,
    pub ignored: BTreeMap<String, usize>,
    /// Launch type implied by each cluster's DefaultCapacityProviderStrategy.
    pub cluster_launch: HashMap<moat_model::Id, Maybe<moat_model::LaunchType>>,
}

impl Env<'_> {
    /// The value of an unknown condition in this run.
    pub fn assume(&mut self, key: String) -> bool {
        match self.assumptions.get(&key) {
            Some(&b) => b,
            None => {
                if !self.recorded.contains(&key) {
                    self.recorded.push(key);
                }
                true
            }
        }
    }
}

/// One stack (the root, or a nested stack) being resolved under one scenario.
pub struct StackCx {
    pub file: String,
    pub path: PathBuf,
    pub tpl: Rc<Node>,
    /// `""` for the root, `"VpcStack/"` for a child.
    pub prefix: String,
    pub stack_name: Result<String, String>,
    pub params: HashMap<String, V>,
    /// Logical id -> resource type, for Ref/GetAtt checks and nested-stack lookups.
    pub types: HashMap<String, String>,
    pub conds: HashMap<String, bool>,
    pub conds_busy: HashSet<String>,
    /// Child stacks resolved so far (their outputs), by logical id.
    pub children: HashMap<String, Option<HashMap<String, V>>>,
    pub children_busy: HashSet<String>,
    /// Child stack contexts, by logical id (kept so lowering reuses what outputs resolved).
    pub child_cx: HashMap<String, Box<StackCx>>,
}

impl StackCx {
    pub fn err(&self, pos: Pos, msg: impl Into<String>) -> Error {
        Error::Intrinsic {
            file: self.file.clone(),
            line: pos.line,
            col: pos.col,
            msg: msg.into(),
        }
    }

    /// Build a stack context: index resources, bind parameters, check for dependency cycles.
    pub fn new(
        env: &mut Env,
        path: &Path,
        tpl: Rc<Node>,
        prefix: String,
        stack_name: Result<String, String>,
        given: HashMap<String, V>,
        root: bool,
    ) -> Result<StackCx, Error> {
        let file = path.display().to_string();
        let mut types = HashMap::new();
        if let Some(res) = tpl.get("Resources") {
            let Some(entries) = res.as_map() else {
                return Err(Error::Template {
                    file,
                    line: res.pos.line,
                    col: res.pos.col,
                    msg: "Resources must be a mapping".into(),
                });
            };
            for (k, r) in entries {
                let ty = r
                    .get("Type")
                    .and_then(Node::as_str)
                    .ok_or_else(|| Error::Template {
                        file: file.clone(),
                        line: k.pos.line,
                        col: k.pos.col,
                        msg: format!("resource `{}` has no Type", k.name),
                    })?;
                types.insert(k.name.clone(), ty.to_string());
                env.kinds
                    .insert(format!("{prefix}{}", k.name), ty.to_string());
            }
        }
        crate::cycles::check_cycles(&file, &tpl)?;
        let mut params = HashMap::new();
        if let Some(ps) = tpl.get("Parameters").and_then(Node::as_map) {
            for (k, p) in ps {
                let from_opts = root.then(|| env.opts.parameters.get(&k.name)).flatten();
                let v = match (from_opts, given.get(&k.name), p.get("Default")) {
                    (Some(s), _, _) => V::str(s.clone(), k.pos),
                    (None, Some(v), _) => v.clone(),
                    (None, None, Some(d)) => match &d.kind {
                        Kind::Scalar { text, .. } => V::str(text.clone(), d.pos),
                        _ => V::unknown(
                            format!("parameter {}{} has a non-scalar default", prefix, k.name),
                            d.pos,
                        ),
                    },
                    (None, None, None) => V::unknown(
                        format!(
                            "parameter {}{} has no default and no value was given",
                            prefix, k.name
                        ),
                        k.pos,
                    ),
                };
                params.insert(k.name.clone(), v);
            }
        }
        let from_cli = env.opts.parameters.keys().filter(|_| root);
        for name in given.keys().chain(from_cli) {
            if !params.contains_key(name) {
                env.notes.push(format!(
                    "{file}: parameter {name} is passed but not declared"
                ));
            }
        }
        Ok(StackCx {
            file,
            path: path.to_path_buf(),
            tpl,
            prefix,
            stack_name,
            params,
            types,
            conds: HashMap::new(),
            conds_busy: HashSet::new(),
            children: HashMap::new(),
            children_busy: HashSet::new(),
            child_cx: HashMap::new(),
        })
    }
}

/// A model edit that needs another resource first. Resources that modify other resources
/// (associations, standalone rules, attachments) are applied once every stack is lowered, since
/// the target may live in another stack.
pub enum Pending {
    Assoc {
        rt: Maybe<Id>,
        subnet: Maybe<Id>,
    },
    /// `gateway`: the `GatewayId` text, classified once every resource type is known.
    Route {
        rt: Maybe<Id>,
        route: Route,
        gateway: Option<Maybe<Id>>,
    },
    SgRule {
        group: Maybe<Id>,
        egress: bool,
        rule: SgRule,
    },
    IgwAttach {
        igw: Maybe<Id>,
        vpc: Maybe<Id>,
        prov: Provenance,
    },
    VpcCidr {
        vpc: Maybe<Id>,
        cidr: Maybe<ipnet::Ipv4Net>,
    },
    NaclAssoc {
        nacl: Maybe<Id>,
        subnet: Maybe<Id>,
    },
    NaclEntry {
        nacl: Maybe<Id>,
        entry: NaclEntry,
    },
    Permissions {
        service: Maybe<Id>,
        principals: Vec<(Maybe<String>, Provenance)>,
    },
    RolePolicy {
        roles: Vec<Maybe<Id>>,
        statements: Vec<Statement>,
        managed: Option<String>,
    },
}

/// The partition and URL suffix of a region.
/// Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
pub fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}
