//! The code generator behind `cargo xtask codegen`.
//!
//! A pipeline of small stages, one module each:
//!
//! 1. [`load`]: YAML → raw spec structs (serde-saphyr; unknown fields and duplicate keys are
//!    errors; names and type references keep their source location);
//! 2. [`validate`]: semantic checks, every error as `file:line:column: error: message`;
//! 3. [`model`]: resolve names, defaults and references into plain data, sorted;
//! 4. [`emit`]: model → `quote!` token streams;
//! 5. [`format`](mod@format): tokens → text with `prettyplease`, blank lines between items, `@generated`
//!    header;
//! 6. [`write`](mod@write): write the files, or with `--check` list the stale ones.

#![warn(clippy::too_many_lines)] // threshold: clippy.toml (80 lines)

pub mod diag;
pub mod emit;
pub mod format;
pub mod load;
pub mod model;
pub mod names;
pub mod validate;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Diagnostics};
pub use write::GeneratedFile;

/// Errors of a codegen run.
#[derive(Debug)]
pub enum Error {
    /// A spec is invalid.
    Spec(Diagnostics),
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
    /// The generator produced invalid Rust (a bug in the generator).
    Internal(String),
    /// Generated text points at something a reader of the published crate cannot open
    /// (`shared/...`, a vendor placeholder link `~~NNNN~~`); one line per finding.
    DeadLinks(Vec<String>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(d) => write!(f, "{d}"),
            Error::Io(path, e) => write!(f, "{}: {e}", path.display()),
            Error::Internal(m) => write!(f, "{m}"),
            Error::DeadLinks(found) => {
                writeln!(
                    f,
                    "error: generated text points at things readers of the published crates \
                     cannot open (fix the spec):"
                )?;
                for line in found {
                    writeln!(f, "  {line}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Spec(d)
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Runs load → validate → model for one spec text. `file` is the path shown in errors (and in
/// the `@generated` header); `spec_dir` (optional) is used to check that example files exist.
pub fn parse_spec(
    file: &str,
    text: &str,
    spec_dir: Option<&Path>,
) -> Result<model::Model, Diagnostics> {
    let spec = load::load(file, text)?;
    validate::validate(file, &spec, spec_dir)?;
    Ok(model::resolve(file, &spec))
}

/// Generates the files of one crate from a spec text, paths relative to `crates/<crate>/`.
pub fn generate_spec(
    file: &str,
    text: &str,
    spec_dir: Option<&Path>,
) -> Result<Vec<GeneratedFile>, Error> {
    let model = parse_spec(file, text, spec_dir)?;
    let mut out = Vec::new();
    for emitted in emit::emit(&model) {
        let contents = match emitted.contents {
            emit::Contents::Rust(tokens) => {
                format::format_rust(&model.spec_file, &emitted.path, tokens)
                    .map_err(Error::Internal)?
            }
            emit::Contents::Toml(text) => {
                format!("{}{}", format::toml_header(&model.spec_file), text)
            }
            emit::Contents::Markdown(text) => {
                format!("{}{}", format::markdown_header(&model.spec_file), text)
            }
        };
        out.push(GeneratedFile {
            path: emitted.path,
            contents,
        });
    }
    let found = dead_links(&out);
    if !found.is_empty() {
        return Err(Error::DeadLinks(found));
    }
    Ok(out)
}

/// Every place in `files` that names a repository-private path (`shared/`) or keeps a vendor's
/// unresolved link placeholder (`~~` followed by digits), as `path:line: what`.
pub fn dead_links(files: &[GeneratedFile]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for (n, line) in file.contents.lines().enumerate() {
            if line.contains("shared/") {
                found.push(format!(
                    "{}:{}: names `shared/`, which is not part of the repository",
                    file.path,
                    n + 1
                ));
            }
            let placeholder = line
                .match_indices("~~")
                .any(|(i, _)| line[i + 2..].starts_with(|c: char| c.is_ascii_digit()));
            if placeholder {
                found.push(format!(
                    "{}:{}: contains an unresolved vendor link placeholder `~~NNNN~~`",
                    file.path,
                    n + 1
                ));
            }
        }
    }
    found
}

/// Reads a file to copy verbatim (line endings normalized).
fn read_copy(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map(|s| s.replace("\r\n", "\n"))
        .map_err(|e| Error::Io(path.to_path_buf(), e))
}

/// The verbatim copies that make a generated crate self-contained: the workspace `LICENSE` and
/// the spec's example payloads (under `tests/examples/`, read by the crate's tests). Paths
/// relative to the crate directory.
fn crate_copies(root: &Path, model: &model::Model) -> Result<Vec<GeneratedFile>, Error> {
    let mut out = vec![GeneratedFile {
        path: "LICENSE".to_string(),
        contents: read_copy(&root.join("LICENSE"))?,
    }];
    for file in &model.example_files {
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(file);
        out.push(GeneratedFile {
            path: format!("tests/examples/{name}"),
            contents: read_copy(&root.join("specs").join(file))?,
        });
    }
    Ok(out)
}

/// Where the emulator's seed data goes: copies of every spec's example payloads, so that the
/// emulator crate reads nothing outside its own directory (and `--check` keeps them in step).
pub const EMULATOR_SEED_DIR: &str = "crates/emulator/src/seed";

fn emulator_seed(root: &Path, model: &model::Model) -> Result<Vec<GeneratedFile>, Error> {
    model
        .example_files
        .iter()
        .map(|file| {
            let rel = file.strip_prefix("examples/").unwrap_or(file);
            Ok(GeneratedFile {
                path: format!("{EMULATOR_SEED_DIR}/{rel}"),
                contents: read_copy(&root.join("specs").join(file))?,
            })
        })
        .collect()
}

fn emulator_seed_readme() -> GeneratedFile {
    GeneratedFile {
        path: format!("{EMULATOR_SEED_DIR}/README.md"),
        contents: "<!-- @generated by `cargo xtask codegen` — do not edit. -->\n\n\
                   # Seed data\n\n\
                   Copies of the example payloads of `specs/examples/<crate>/`, written by \
                   `cargo xtask codegen`\n\
                   (and checked by `cargo xtask codegen --check`). Do not edit them here: edit \
                   the spec's\nexamples and regenerate. The emulator seeds its state from the \
                   documents' examples among\nthem, so the crate reads nothing outside its \
                   own directory.\n"
            .to_string(),
    }
}

/// Every spec under `specs/` (sorted), as `(relative path, crate name)`.
pub fn specs(root: &Path) -> Result<Vec<String>, Error> {
    let dir = root.join("specs");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::Io(dir.clone(), e))?;
    let mut specs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::Io(dir.clone(), e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") && entry.path().is_file() {
            specs.push(format!("specs/{name}"));
        }
    }
    specs.sort();
    Ok(specs)
}

/// Generates every crate in memory: all files, paths relative to the workspace root, plus the
/// directories the generator owns entirely.
pub fn generate_all(root: &Path) -> Result<(Vec<GeneratedFile>, Vec<String>), Error> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut errors = Vec::new();
    for spec in specs(root)? {
        let path = root.join(&spec);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e))?;
        let crate_name = Path::new(&spec)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        match generate_spec(&spec, &text, Some(&root.join("specs"))) {
            Ok(generated) => {
                let model = parse_spec(&spec, &text, Some(&root.join("specs")))?;
                for f in generated.into_iter().chain(crate_copies(root, &model)?) {
                    files.push(GeneratedFile {
                        path: format!("crates/{crate_name}/{}", f.path),
                        contents: f.contents,
                    });
                }
                files.extend(emulator_seed(root, &model)?);
                dirs.push(format!("crates/{crate_name}/src"));
                dirs.push(format!("crates/{crate_name}/tests/examples"));
            }
            Err(Error::Spec(d)) => errors.extend(d.0),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Spec(Diagnostics(errors)));
    }
    files.push(emulator_seed_readme());
    dirs.push(EMULATOR_SEED_DIR.to_string());
    Ok((files, dirs))
}

/// The result of [`codegen`].
#[derive(Debug, Default)]
pub struct Report {
    /// Human-readable progress lines.
    pub lines: Vec<String>,
    /// Files that were stale (written, or with `check` only reported).
    pub stale: Vec<String>,
}

/// `cargo xtask codegen [--check]`.
pub fn codegen(root: &Path, check: bool) -> Result<Report, Error> {
    let (files, dirs) = generate_all(root)?;
    let outcome =
        write::sync(root, &files, &dirs, check).map_err(|e| Error::Io(root.to_path_buf(), e))?;
    let mut report = Report::default();
    if !check {
        for path in &outcome.stale {
            match path.strip_suffix(" (no longer generated)") {
                Some(removed) => report
                    .lines
                    .push(format!("removed {removed} (no longer generated)")),
                None => report.lines.push(format!("wrote {path}")),
            }
        }
    }
    report.lines.push(format!(
        "{} generated file(s): {} up to date, {} {}",
        files.len(),
        outcome.fresh,
        outcome.stale.len(),
        if check { "stale" } else { "updated" }
    ));
    report.stale = outcome.stale;
    Ok(report)
}
