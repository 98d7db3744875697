//! Run Graphviz to turn DOT into SVG.

use crate::Error;
use std::ffi::OsStr;
use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

/// SVG for `dot` text, by running `dot -Tsvg` from `PATH`.
///
/// Fails with [`Error::DotMissing`] (naming the package to install) when Graphviz is absent,
/// and with [`Error::DotFailed`] (with Graphviz's message) when it rejects the input.
pub fn render_svg(dot: &str) -> Result<String, Error> {
    render_svg_with(dot, OsStr::new("dot"))
}

/// As [`render_svg`], with the Graphviz program given explicitly (a path or a name on `PATH`).
pub fn render_svg_with(dot: &str, program: &OsStr) -> Result<String, Error> {
    let name = program.to_string_lossy().into_owned();
    let mut child = Command::new(program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            ErrorKind::NotFound => Error::DotMissing {
                program: name.clone(),
            },
            _ => Error::Spawn {
                program: name.clone(),
                source,
            },
        })?;
    // Feed stdin from another thread: Graphviz may start writing before it has read everything
    // on large graphs, and a full pipe on both sides would deadlock.
    let mut stdin = child.stdin.take();
    let input = dot.as_bytes().to_vec();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        if let Some(s) = stdin.as_mut() {
            s.write_all(&input)?;
        }
        drop(stdin);
        Ok(())
    });
    let out = child.wait_with_output().map_err(|source| Error::Io {
        program: name.clone(),
        source,
    })?;
    let wrote = writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("stdin writer panicked")));
    if !out.status.success() {
        return Err(Error::DotFailed {
            program: name,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    // A broken pipe only matters if Graphviz also failed, handled above.
    if let Err(e) = wrote {
        if e.kind() != ErrorKind::BrokenPipe {
            return Err(Error::Io {
                program: name,
                source: e,
            });
        }
    }
    String::from_utf8(out.stdout).map_err(|e| Error::NotUtf8 {
        program: name,
        offset: e.utf8_error().valid_up_to(),
    })
}
