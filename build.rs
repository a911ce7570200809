//! Release builds place the functions a running dashboard executes next to each other
//! (`scripts/hot-functions.txt`, made by `scripts/order-functions`). The kernel maps code in
//! 64 kB windows around each page that runs; with the hot functions packed together, far fewer
//! windows are touched and the resident code shrinks. The names are matched without their
//! crate disambiguators, so a compiler or dependency update keeps them matching; a function that
//! is not on the list (new code, or inlined differently) is laid out among the rest, and the
//! list is made again with `scripts/order-functions`. Set `ONCALL_NO_FUNCTION_ORDER` to build
//! without it (to measure what it brings).

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/hot-functions.txt");
    println!("cargo:rerun-if-env-changed=ONCALL_NO_FUNCTION_ORDER");
    if env::var("PROFILE").as_deref() != Ok("release")
        || env::var_os("ONCALL_NO_FUNCTION_ORDER").is_some()
    {
        return;
    }
    if links_with_lld() {
        let list = std::fs::read_to_string("scripts/hot-functions.txt").unwrap_or_default();
        let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("hot.ld");
        if std::fs::write(&out, linker_script(&list)).is_ok() {
            println!("cargo:rustc-link-arg-bins=-Wl,--script={}", out.display());
        }
    }
}

/// A linker script that places the listed functions' sections (one per function) first, in the
/// list's order, ahead of the rest of the code. Symbol names carry each crate's disambiguator,
/// which changes with the compiler version and the dependencies' versions and features: it is
/// matched by a wildcard, as are the numbers LTO appends to local names.
fn linker_script(list: &str) -> String {
    let mut script = String::from("SECTIONS {\n  .text.hot : {\n");
    let mut seen = std::collections::HashSet::new();
    for name in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let pattern = pattern(name);
        if seen.insert(pattern.clone()) {
            // Functions the compiler takes for cold (`#[cold]`, such as a vector's growth) are
            // in `.text.unlikely.` sections.
            script.push_str(&format!(
                "    *(.text.{pattern} .text.unlikely.{pattern})\n"
            ));
        }
    }
    script.push_str("  }\n}\nINSERT BEFORE .text;\n");
    script
}

/// `name` with each crate disambiguator (`Cs<base-62>_`) and a trailing `.<digits>` or
/// `.llvm.<digits>` made wildcards; characters a linker script would read as a pattern are
/// dropped the same way.
fn pattern(name: &str) -> String {
    let mut name = name;
    if let Some((stem, tail)) = name.rsplit_once('.')
        && !tail.is_empty()
        && tail.bytes().all(|b| b.is_ascii_digit())
    {
        name = stem.strip_suffix(".llvm").unwrap_or(stem);
        return format!("{}*", pattern(name));
    }
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"Cs") {
            let digits = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if bytes.get(i + 2 + digits) == Some(&b'_') {
                out.push_str("Cs*_");
                i += 2 + digits + 1;
                continue;
            }
        }
        let c = bytes[i] as char;
        out.push(if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            c
        } else {
            '?'
        });
        i += 1;
    }
    out
}

/// Rust links with its own LLD on x86_64 Linux since 1.90, unless a linker is chosen by hand.
fn links_with_lld() -> bool {
    if env::var("TARGET").as_deref() != Ok("x86_64-unknown-linux-gnu") {
        return false;
    }
    let target_linker = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER";
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if env::var_os(target_linker).is_some()
        || flags.contains("linker")
        || flags.contains("link-self-contained")
    {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    matches!(minor, Some(m) if m >= 90)
}
