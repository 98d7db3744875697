//! Task definition JSON (the `aws ecs register-task-definition --cli-input-json` shape,
//! camelCase) → [`moat_model::TaskDefinition`] with the position of every container and of the
//! fields moat reasons about.
//!
//! Fields moat does not read are ignored (the real shape has about a hundred); a field moat does
//! read with the wrong JSON type is an error at its position.

use crate::json::{self, JKind, JValue};
use moat_model::{Container, Id, LogConfiguration, Maybe, Provenance, Secret, TaskDefinition};
use std::collections::BTreeMap;

/// A problem in a task definition file, at a position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// What the spec needs beyond the model: each container's port mappings.
#[derive(Debug, Clone, Default)]
pub struct TdExtras {
    /// (container name, containerPort, line, column) in file order.
    pub ports: Vec<(String, u16, u32, u32)>,
    /// (container name, image, line, column) in file order.
    pub images: Vec<(String, String, u32, u32)>,
}

fn err(v: &JValue, message: impl Into<String>) -> TdError {
    TdError {
        line: v.line,
        column: v.column,
        message: message.into(),
    }
}

fn expect_str<'v>(v: &'v JValue, path: &str) -> Result<&'v str, TdError> {
    match &v.kind {
        JKind::String(s) => Ok(s),
        _ => Err(err(
            v,
            format!("`{path}` must be a string, found {}", v.type_name()),
        )),
    }
}

fn expect_array<'v>(v: &'v JValue, path: &str) -> Result<&'v [JValue], TdError> {
    match &v.kind {
        JKind::Array(a) => Ok(a),
        _ => Err(err(
            v,
            format!("`{path}` must be an array, found {}", v.type_name()),
        )),
    }
}

fn expect_object<'v>(v: &'v JValue, path: &str) -> Result<&'v [(String, JValue)], TdError> {
    match &v.kind {
        JKind::Object(m) => Ok(m),
        _ => Err(err(
            v,
            format!("`{path}` must be an object, found {}", v.type_name()),
        )),
    }
}

fn opt_str(obj: &JValue, key: &str, path: &str) -> Result<Option<String>, TdError> {
    obj.get(key)
        .map(|v| expect_str(v, &format!("{path}.{key}")).map(str::to_string))
        .transpose()
}

/// Parse task definition JSON text. `file` is recorded in provenance; `fallback_id` names the
/// task definition when it has no `family`.
pub fn parse_task_definition(
    text: &str,
    file: &str,
    fallback_id: &str,
) -> Result<(TaskDefinition, TdExtras), TdError> {
    let root = json::parse(text).map_err(|e| TdError {
        line: e.line,
        column: e.column,
        message: format!("malformed JSON: {}", e.message),
    })?;
    expect_object(&root, "(the task definition)")?;
    // `aws ecs describe-task-definition` output wraps the shape in {"taskDefinition": …}.
    let root = match root.get("taskDefinition") {
        Some(inner) if matches!(inner.kind, JKind::Object(_)) => inner,
        _ => &root,
    };
    let family = opt_str(root, "family", "")?;
    let id = Id::from(family.clone().unwrap_or_else(|| fallback_id.to_string()));
    let mut prov = Provenance::at(id.as_str(), file, root.line, root.column);
    for (key, field) in [
        ("family", "family"),
        ("networkMode", "network_mode"),
        ("executionRoleArn", "execution_role"),
        ("taskRoleArn", "task_role"),
        ("requiresCompatibilities", "requires_compatibilities"),
    ] {
        if let Some(v) = root.get(key) {
            prov.set_field(field, v.line, v.column);
        }
    }
    let mut requires = Vec::new();
    if let Some(rc) = root.get("requiresCompatibilities") {
        for (i, v) in expect_array(rc, "requiresCompatibilities")?
            .iter()
            .enumerate()
        {
            requires.push(Maybe::Known(
                expect_str(v, &format!("requiresCompatibilities[{i}]"))?.to_string(),
            ));
        }
    }
    let network_mode = match opt_str(root, "networkMode", "")? {
        Some(m) => Maybe::Known(m),
        // ECS's default network mode on Linux is `bridge`; Fargate requires `awsvpc`.
        None => Maybe::Known("bridge".to_string()),
    };
    let defs = root
        .get("containerDefinitions")
        .ok_or_else(|| err(root, "the task definition has no `containerDefinitions`"))?;
    let defs = expect_array(defs, "containerDefinitions")?;
    if defs.is_empty() {
        return Err(err(
            root,
            "`containerDefinitions` is empty: a task definition needs at least one container",
        ));
    }
    let mut extras = TdExtras::default();
    let mut containers = Vec::new();
    for (i, def) in defs.iter().enumerate() {
        containers.push(container(def, i, file, &mut extras)?);
    }
    let td = TaskDefinition {
        id,
        family: family.map_or_else(
            || Maybe::unknown("the task definition has no family"),
            Maybe::Known,
        ),
        requires_compatibilities: requires,
        network_mode,
        execution_role: opt_str(root, "executionRoleArn", "")?.map(Maybe::Known),
        task_role: opt_str(root, "taskRoleArn", "")?.map(Maybe::Known),
        containers,
        containers_unknown: None,
        prov,
    };
    Ok((td, extras))
}

fn secrets(list: &JValue, path: &str, name: &str, file: &str) -> Result<Vec<Secret>, TdError> {
    let mut out = Vec::new();
    for (j, s) in expect_array(list, path)?.iter().enumerate() {
        let p = format!("{path}[{j}]");
        expect_object(s, &p)?;
        let value_from = s
            .get("valueFrom")
            .ok_or_else(|| err(s, format!("`{p}` has no `valueFrom`")))?;
        out.push(Secret {
            name: opt_str(s, "name", &p)?
                .map_or_else(|| Maybe::unknown("secret without a name"), Maybe::Known),
            value_from: Maybe::Known(
                expect_str(value_from, &format!("{p}.valueFrom"))?.to_string(),
            ),
            prov: Provenance::at(name, file, s.line, s.column),
        });
    }
    Ok(out)
}

fn container(
    def: &JValue,
    i: usize,
    file: &str,
    extras: &mut TdExtras,
) -> Result<Container, TdError> {
    let path = format!("containerDefinitions[{i}]");
    expect_object(def, &path)?;
    let name_v = def
        .get("name")
        .ok_or_else(|| err(def, format!("`{path}` has no `name`")))?;
    let name = expect_str(name_v, &format!("{path}.name"))?.to_string();
    let image_v = def
        .get("image")
        .ok_or_else(|| err(def, format!("container `{name}` has no `image`")))?;
    let image = expect_str(image_v, &format!("{path}.image"))?.to_string();
    if image.trim().is_empty() {
        return Err(err(
            image_v,
            format!("container `{name}` has an empty `image`"),
        ));
    }
    let mut prov = Provenance::at(name.as_str(), file, def.line, def.column);
    prov.set_field("image", image_v.line, image_v.column);
    extras
        .images
        .push((name.clone(), image.clone(), image_v.line, image_v.column));

    let essential = essential(def, &path)?;
    let log = log_configuration(def, &path, &name, file, &mut prov)?;
    let secrets = match def.get("secrets") {
        Some(s) => secrets(s, &format!("{path}.secrets"), &name, file)?,
        None => Vec::new(),
    };
    let repository_credentials = repository_credentials(def, &path, &mut prov)?;
    let environment_files = environment_files(def, &path, &name, file)?;
    let firelens = firelens(def, &path, &mut prov)?;
    let environment = environment(def, &path)?;
    port_mappings(def, &path, &name, &mut prov, extras)?;

    Ok(Container {
        name: Maybe::Known(name),
        image: Maybe::Known(image),
        essential: Maybe::Known(essential),
        log,
        secrets,
        repository_credentials,
        environment_files,
        firelens,
        environment,
        prov,
    })
}

/// `essential`: ECS treats a container without it as essential.
fn essential(def: &JValue, path: &str) -> Result<bool, TdError> {
    match def.get("essential") {
        Some(v) => match v.kind {
            JKind::Bool(b) => Ok(b),
            _ => Err(err(
                v,
                format!(
                    "`{path}.essential` must be a boolean, found {}",
                    v.type_name()
                ),
            )),
        },
        None => Ok(true),
    }
}

/// `logConfiguration`: driver, options and secret options.
fn log_configuration(
    def: &JValue,
    path: &str,
    name: &str,
    file: &str,
    prov: &mut Provenance,
) -> Result<Option<LogConfiguration>, TdError> {
    let Some(lc) = def.get("logConfiguration") else {
        return Ok(None);
    };
    let lp = format!("{path}.logConfiguration");
    expect_object(lc, &lp)?;
    prov.set_field("logConfiguration", lc.line, lc.column);
    let driver_v = lc
        .get("logDriver")
        .ok_or_else(|| err(lc, format!("`{lp}` has no `logDriver`")))?;
    let mut options = BTreeMap::new();
    if let Some(o) = lc.get("options") {
        for (k, v) in expect_object(o, &format!("{lp}.options"))? {
            options.insert(
                k.clone(),
                Maybe::Known(expect_str(v, &format!("{lp}.options.{k}"))?.to_string()),
            );
        }
    }
    let secret_options = match lc.get("secretOptions") {
        Some(s) => secrets(s, &format!("{lp}.secretOptions"), name, file)?,
        None => Vec::new(),
    };
    Ok(Some(LogConfiguration {
        driver: Maybe::Known(expect_str(driver_v, &format!("{lp}.logDriver"))?.to_string()),
        options,
        secret_options,
        prov: Provenance::at(name, file, lc.line, lc.column),
    }))
}

/// `repositoryCredentials.credentialsParameter`: the secret a private registry's login is in.
fn repository_credentials(
    def: &JValue,
    path: &str,
    prov: &mut Provenance,
) -> Result<Option<Maybe<String>>, TdError> {
    let Some(rc) = def.get("repositoryCredentials") else {
        return Ok(None);
    };
    let rp = format!("{path}.repositoryCredentials");
    expect_object(rc, &rp)?;
    prov.set_field("repositoryCredentials", rc.line, rc.column);
    let p = rc
        .get("credentialsParameter")
        .ok_or_else(|| err(rc, format!("`{rp}` has no `credentialsParameter`")))?;
    Ok(Some(Maybe::Known(
        expect_str(p, &format!("{rp}.credentialsParameter"))?.to_string(),
    )))
}

/// `environmentFiles`: S3 object ARNs (the only type ECS accepts is `s3`).
fn environment_files(
    def: &JValue,
    path: &str,
    name: &str,
    file: &str,
) -> Result<Vec<(Maybe<String>, Provenance)>, TdError> {
    let mut out = Vec::new();
    let Some(ef) = def.get("environmentFiles") else {
        return Ok(out);
    };
    for (j, f) in expect_array(ef, &format!("{path}.environmentFiles"))?
        .iter()
        .enumerate()
    {
        let fp = format!("{path}.environmentFiles[{j}]");
        expect_object(f, &fp)?;
        if let Some(t) = opt_str(f, "type", &fp)? {
            if t != "s3" {
                return Err(err(
                    f,
                    format!("`{fp}.type` is `{t}`; the only type ECS accepts is `s3`"),
                ));
            }
        }
        let v = f
            .get("value")
            .ok_or_else(|| err(f, format!("`{fp}` has no `value` (the S3 object ARN)")))?;
        out.push((
            Maybe::Known(expect_str(v, &format!("{fp}.value"))?.to_string()),
            Provenance::at(name, file, f.line, f.column),
        ));
    }
    Ok(out)
}

/// `firelensConfiguration.type` (fluentbit / fluentd).
fn firelens(
    def: &JValue,
    path: &str,
    prov: &mut Provenance,
) -> Result<Option<Maybe<String>>, TdError> {
    let Some(fc) = def.get("firelensConfiguration") else {
        return Ok(None);
    };
    let fp = format!("{path}.firelensConfiguration");
    expect_object(fc, &fp)?;
    prov.set_field("firelensConfiguration", fc.line, fc.column);
    Ok(Some(opt_str(fc, "type", &fp)?.map_or_else(
        || Maybe::unknown("firelensConfiguration without a type"),
        Maybe::Known,
    )))
}

/// `environment`: name/value pairs.
fn environment(def: &JValue, path: &str) -> Result<Vec<(String, Maybe<String>)>, TdError> {
    let mut out = Vec::new();
    let Some(env) = def.get("environment") else {
        return Ok(out);
    };
    for (j, e) in expect_array(env, &format!("{path}.environment"))?
        .iter()
        .enumerate()
    {
        let ep = format!("{path}.environment[{j}]");
        expect_object(e, &ep)?;
        let n = opt_str(e, "name", &ep)?.unwrap_or_default();
        let v = opt_str(e, "value", &ep)?.unwrap_or_default();
        out.push((n, Maybe::Known(v)));
    }
    Ok(out)
}

/// `portMappings[].containerPort`: recorded in `extras.ports` with their position.
fn port_mappings(
    def: &JValue,
    path: &str,
    name: &str,
    prov: &mut Provenance,
    extras: &mut TdExtras,
) -> Result<(), TdError> {
    let Some(pm) = def.get("portMappings") else {
        return Ok(());
    };
    prov.set_field("portMappings", pm.line, pm.column);
    for (j, m) in expect_array(pm, &format!("{path}.portMappings"))?
        .iter()
        .enumerate()
    {
        let mp = format!("{path}.portMappings[{j}]");
        expect_object(m, &mp)?;
        if let Some(cp) = m.get("containerPort") {
            let port = match cp.kind {
                JKind::Number(n) if n.fract() == 0.0 && (1.0..=65535.0).contains(&n) => n as u16,
                _ => {
                    return Err(err(
                        cp,
                        format!("`{mp}.containerPort` must be a port number 1-65535"),
                    ))
                }
            };
            extras
                .ports
                .push((name.to_string(), port, cp.line, cp.column));
        }
    }
    Ok(())
}
