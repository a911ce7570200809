//! Command-line definitions.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "oncall",
    version,
    about = "A terminal dashboard for the engineer on call"
)]
pub struct Cli {
    /// Config file (default: $ONCALL_CONFIG, else ~/.config/oncall/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run on the embedded simulated stack; needs no config
    #[arg(long, global = true)]
    pub demo: bool,
    /// Theme name (a file in themes/ or the user themes dir)
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Disable acknowledging and every other action that changes something
    #[arg(long)]
    pub read_only: bool,
    /// Wall screen: read-only, large digits, pages rotate, a P0 takes over the screen
    #[arg(long, global = true)]
    pub wall: bool,
    /// Plain ASCII: no braille, box-drawing or block characters
    #[arg(long, global = true)]
    pub ascii: bool,
    /// For slow links: at most 2 frames a second, sparklines instead of charts
    #[arg(long, global = true)]
    pub low_bandwidth: bool,
    /// Monochrome output (also when NO_COLOR is set)
    #[arg(long)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Poll every source once, print one frame (or the state as JSON) and exit
    Snapshot {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long, default_value_t = 160)]
        width: u16,
        #[arg(long, default_value_t = 48)]
        height: u16,
        /// Longest wait for the sources (each source's timeout still applies)
        #[arg(long, default_value = "10s", value_parser = parse_dur)]
        wait: std::time::Duration,
    },
    /// Validate the config and probe every source; exit 1 on any failure
    Check,
    /// Write the example config to the user config dir (never overwrites)
    Init,
    /// Who is on call now, who is next, and when the handoff is
    Who,
    /// Write the markdown post-mortem of an incident from its recorded timeline
    Postmortem {
        /// The incident id (or a unique prefix), as shown in the detail view and the snapshot
        id: String,
        /// Write to this file instead of standard output
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the incidents recorded in the journal
    Incidents {
        /// Time to acknowledge and to resolve per severity, against the targets
        #[arg(long)]
        stats: bool,
    },
    /// Run only the simulated stack, for other tools to point at
    DemoServer {
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: std::net::SocketAddr,
    },
    /// Print shell completions
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Ansi,
    Json,
}

fn parse_dur(s: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse_duration(s)
}
