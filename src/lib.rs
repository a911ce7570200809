//! oncall: a terminal dashboard for the engineer on call.
//!
//! Data flows one way: pollers and input send [`action::Action`]s; [`update::update`] changes
//! the [`state::State`] and returns [`action::Effect`]s; the driver in [`app`] performs them and
//! [`ui::draw`] renders the state.

pub mod action;
pub mod app;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod duration;
pub mod format;
pub mod fsutil;
pub mod headless;
pub mod incidents;
pub mod logging;
pub mod notify;
pub mod open;
pub mod palette;
pub mod poll;
pub mod rotation;
pub mod runbook;
pub mod sanitize;
pub mod slo;
pub mod snapshot;
pub mod sources;
pub mod state;
#[cfg(test)]
mod test_rng;
pub mod theme;
pub mod tui;
pub mod tz;
pub mod ui;
pub mod update;
