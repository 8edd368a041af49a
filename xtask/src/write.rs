//! Stage 6, **write**: compare generated files with the tree; write them, or (with `--check`)
//! report the stale ones. Files under a directory the generator owns (a generated crate's `src/`
//! and `tests/examples/`, the emulator's `src/seed/`) that it no longer produces are stale too
//! (and removed when writing).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One generated file, path relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, `/`-separated (e.g. `crates/huawei-vpc-v3/src/lib.rs`).
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// What `sync` did or found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files that were (or, with `check`, would be) written or removed.
    pub stale: Vec<String>,
    /// Files already up to date.
    pub fresh: usize,
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// Brings `root` in line with `files`. `generated_dirs` are directories owned entirely by the
/// generator (every file in them must be generated).
pub fn sync(
    root: &Path,
    files: &[GeneratedFile],
    generated_dirs: &[String],
    check: bool,
) -> std::io::Result<Outcome> {
    let mut outcome = Outcome::default();
    for file in files {
        let path = root.join(&file.path);
        let current = fs::read_to_string(&path).ok().map(|s| normalize(&s));
        if current.as_deref() == Some(file.contents.as_str()) {
            outcome.fresh += 1;
            continue;
        }
        outcome.stale.push(file.path.clone());
        if !check {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&path, &file.contents)?;
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for dir in generated_dirs {
        let mut found = Vec::new();
        collect_files(&root.join(dir), &mut found)?;
        for path in found {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !wanted.contains(rel.as_str()) {
                outcome.stale.push(format!("{rel} (no longer generated)"));
                if !check {
                    fs::remove_file(&path)?;
                }
            }
        }
    }
    outcome.stale.sort();
    Ok(outcome)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries: Vec<_> = entries.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
