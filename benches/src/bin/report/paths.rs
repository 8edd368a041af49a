//! Where things are: the workspace root, its target directory and `target/bench/`.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this package's directory, fixed at build time).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `target/` of the workspace (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() { d } else { root.join(d) }
        }
        _ => root.join("target"),
    }
}

/// `target/bench/`: the raw results of every stage.
pub fn bench_dir(root: &Path) -> PathBuf {
    target_dir(root).join("bench")
}

/// A release binary of the workspace.
pub fn release_bin(root: &Path, name: &str) -> PathBuf {
    target_dir(root)
        .join("release")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
