//! Writing to stdout or a file without panicking on a closed pipe, and never overwriting a
//! user's file without being told to.

use anyhow::{bail, Context, Result};
use std::io::{self, Write};
use std::path::Path;

/// Print to stdout; a closed pipe (`moat rules | head`) ends quietly.
pub fn print(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

/// What happened to a file we were asked to write.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Unchanged,
    Replaced,
}

/// Write `contents` to `path`. An existing file with other contents is replaced only with
/// `force`; otherwise this is an error naming the flag.
pub fn write_file(path: &Path, contents: &str, force: bool) -> Result<Written> {
    match std::fs::read_to_string(path) {
        Ok(existing) if existing == contents => return Ok(Written::Unchanged),
        Ok(_) if !force => bail!(
            "{} exists and differs from what moat would write; pass --force to replace it",
            path.display()
        ),
        Ok(_) => {
            std::fs::write(path, contents)
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(Written::Replaced);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    Ok(Written::Created)
}
