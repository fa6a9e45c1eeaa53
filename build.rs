//! Finds the op modules: every file of rust/ops/ that declares a table
//! `pub(super) const OPS: &[OpInfo]` becomes a module of `ops` and its table
//! joins the registry, so adding an op never means editing a list.

use std::fmt::Write as _;
use std::path::PathBuf;

const MARKER: &str = "pub(super) const OPS: &[OpInfo]";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = root.join("rust").join("ops");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut modules: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("rust/ops is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|s| s.lines().any(|l| l.starts_with(MARKER)))
        })
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
        .collect();
    modules.sort();
    let mut out = String::new();
    for (name, path) in &modules {
        writeln!(
            out,
            "#[path = {:?}]\nmod {name};",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("\n/// Every op module's table (found by build.rs).\nconst REGISTRY: &[&[registry::OpInfo]] = &[\n");
    for (name, _) in &modules {
        writeln!(out, "    {name}::OPS,").unwrap();
    }
    out.push_str("];\n");
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("op_modules.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
