use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = oncall::cli::Cli::parse();
    oncall::tui::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oncall: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = runtime.block_on(oncall::commands::run(cli));
    // Do not wait for fetches still in flight.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
