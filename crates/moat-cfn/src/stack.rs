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

/// One root stack of a deployment: a template given, or a stack of a CDK cloud assembly.
#[derive(Debug, Clone)]
pub struct StackSite {
    pub path: PathBuf,
    /// `AWS::StackName`, and the name `Fn::GetStackOutput` finds it by.
    pub name: String,
    /// `AWS::Region`: given, from the assembly, from the template's literals, or
    /// [`moat_model::UNKNOWN_REGION`].
    pub region: String,
    pub account_id: String,
}

/// The stacks loaded together (every root given) and the exports they declare.
#[derive(Debug, Default)]
pub struct Deployment {
    pub stacks: Vec<StackSite>,
    /// Export name (evaluated) -> (stack index, output logical id).
    pub exports: HashMap<String, (usize, String)>,
}

/// The state of one root stack of the deployment in a scenario run.
pub enum Slot {
    /// Not needed so far.
    Absent,
    /// Being lowered or resolved right now (taken out of its slot).
    Busy,
    Ready(Box<StackCx>),
}

/// Everything one scenario run shares across its stacks.
pub struct Env<'a> {
    pub opts: &'a LoadOptions,
    pub deployment: &'a Deployment,
    /// Per stack of the deployment: its context once something needed it.
    pub stacks: Vec<Slot>,
    /// Per stack of the deployment: whether this run lowers it into the model (a root of the run,
    /// or a stack whose outputs another one imports).
    pub linked: Vec<bool>,
    /// Model id prefix per stack (`""` when the run has one root, else `"<StackName>/"`).
    pub prefixes: Vec<String>,
    /// `AWS::Region` / `AWS::AccountId` of the run's first root: the model's region, and the
    /// region of ARNs written after lowering.
    pub region: String,
    pub account_id: String,
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

impl<'a> Env<'a> {
    /// A run with nothing linked yet; the model's region and account are those of the first of
    /// `roots` (ids are prefixed with the stack name unless `roots` is a single stack).
    pub fn new(
        opts: &'a LoadOptions,
        files: &'a mut Files,
        deployment: &'a Deployment,
        assumptions: &'a BTreeMap<String, bool>,
        roots: &[usize],
    ) -> Self {
        let n = deployment.stacks.len();
        let first = roots.first().map(|&i| &deployment.stacks[i]);
        let region = first.map_or(UNKNOWN_REGION.to_string(), |s| s.region.clone());
        let account_id = first.map_or(UNKNOWN_ACCOUNT.to_string(), |s| s.account_id.clone());
        let prefixes = (0..n)
            .map(|i| {
                if roots == [i] {
                    String::new()
                } else {
                    format!("{}/", deployment.stacks[i].name)
                }
            })
            .collect();
        let model_region = if region == UNKNOWN_REGION {
            Maybe::Unknown(
                "no region given (--region, AWS_REGION) and the templates name none".into(),
            )
        } else {
            Maybe::Known(region.clone())
        };
        Env {
            opts,
            deployment,
            stacks: (0..n).map(|_| Slot::Absent).collect(),
            linked: vec![false; n],
            prefixes,
            region,
            account_id: account_id.clone(),
            files,
            assumptions,
            recorded: Vec::new(),
            chain: Vec::new(),
            nested: HashSet::new(),
            notes: Vec::new(),
            model: Model {
                region: model_region,
                account_id: if account_id == UNKNOWN_ACCOUNT {
                    Maybe::Unknown(
                        "no account given (--account-id) and the templates name none".into(),
                    )
                } else {
                    Maybe::Known(account_id)
                },
                ..Model::default()
            },
            kinds: HashMap::new(),
            pending: Vec::new(),
            ignored: BTreeMap::new(),
            cluster_launch: HashMap::new(),
        }
    }

    /// A run that only evaluates (export names): nothing is a root of it.
    pub fn scratch(
        opts: &'a LoadOptions,
        files: &'a mut Files,
        deployment: &'a Deployment,
        assumptions: &'a BTreeMap<String, bool>,
    ) -> Self {
        Env::new(opts, files, deployment, assumptions, &[])
    }

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
    /// `AWS::Region` and `AWS::AccountId` of this stack (a nested stack shares its parent's).
    pub region: String,
    pub account_id: String,
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

    /// Build the context of the stack in `site.path`: index resources, bind parameters, check for
    /// dependency cycles.
    pub fn new(
        env: &mut Env,
        tpl: Rc<Node>,
        prefix: String,
        stack_name: Result<String, String>,
        given: HashMap<String, V>,
        site: &StackSite,
        root: bool,
    ) -> Result<StackCx, Error> {
        let path = site.path.as_path();
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
                // Loops of the LanguageExtensions transform: `intrinsics::for_each` expands
                // them once the stack's parameters are bound.
                if k.name.starts_with("Fn::ForEach::") {
                    continue;
                }
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
        for (id, ty) in crate::sam::implicit_resources(&tpl) {
            if let std::collections::hash_map::Entry::Vacant(e) = types.entry(id) {
                env.kinds
                    .insert(format!("{prefix}{}", e.key()), ty.to_string());
                e.insert(ty.to_string());
            }
        }
        crate::cycles::check_cycles(&file, &tpl)?;
        let mut params = HashMap::new();
        let managed = crate::prefix_lists::declared(&file, &tpl)?;
        if let Some(ps) = tpl.get("Parameters").and_then(Node::as_map) {
            for (k, p) in ps {
                let from_opts = root.then(|| env.opts.parameters.get(&k.name)).flatten();
                let v = match (from_opts, given.get(&k.name), p.get("Default")) {
                    (None, None, None) if managed.iter().any(|m| m.parameter == k.name) => {
                        symbolic_prefix_list(env, &managed, &file, &prefix, &site.region, k)
                    }
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
                let ty = p.get("Type").and_then(Node::as_str);
                let v = crate::value::parameter_value(&format!("{prefix}{}", k.name), ty, v);
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
            region: site.region.clone(),
            account_id: site.account_id.clone(),
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

/// A parameter without value that the template declares as an AWS-managed prefix list
/// ([`crate::prefix_lists`]): a symbolic id (the parameter's model id), which the model learns
/// is the list `com.amazonaws.<region>.<service>`.
fn symbolic_prefix_list(
    env: &mut Env,
    managed: &[crate::prefix_lists::ManagedPrefixListParam],
    file: &str,
    prefix: &str,
    region: &str,
    k: &crate::node::Key,
) -> V {
    let id = Id(format!("{prefix}{}", k.name));
    if let Some(m) = managed.iter().find(|m| m.parameter == k.name) {
        if env.model.prefix_list(&id).is_none() {
            env.model.prefix_lists.push(PrefixList {
                id: id.clone(),
                name: Maybe::Known(PrefixList::aws_managed_name(region, &m.service)),
                prov: Provenance::at(id.as_str(), file, k.pos.line, k.pos.col),
            });
        }
    }
    V::new(crate::value::Val::Res(id.0), k.pos)
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
        /// The whole document (with conditions), for the IAM evaluation.
        document: PolicyDocument,
    },
    /// KMS keys, secrets, DHCP options and the like (issue 11): see `lower::access`.
    Access(crate::lower::access::PendingAccess),
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
