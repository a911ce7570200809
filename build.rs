//! Release builds place the functions a running dashboard executes next to each other
//! (`scripts/hot-functions.txt`, made by `scripts/order-functions`). The kernel maps code in
//! 64 kB windows around each page that runs; with the hot functions packed together, far fewer
//! windows are touched and the resident code shrinks. Names the list no longer matches (after a
//! toolchain or dependency change) are ignored: the build then lays functions out as before.

use std::env;
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
        let list = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/hot-functions.txt");
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={list}");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
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
