//! `config::Config::parse` (TOML, then validation) on any UTF-8 text. An error points inside the
//! text; a config that passes yields its pages and per-source refresh.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::config::{Config, ConfigError};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // `Config::load` reads the file as UTF-8 and stops on anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, Path::new("fuzz.toml")) {
        Ok(cfg) => {
            let _ = cfg.effective_pages();
            for id in cfg.sources.keys() {
                let _ = cfg.source_refresh(id);
            }
        }
        Err(e) => {
            let _ = e.to_string();
            if let ConfigError::Invalid(at) = &e {
                let lines = text.split('\n').count();
                assert!(
                    (1..=lines).contains(&at.line),
                    "line {} of {lines}",
                    at.line
                );
                assert!(at.column >= 1);
            }
        }
    }
});
