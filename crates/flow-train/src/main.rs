//! `flow-train`: train normalizing flows and use the trained models.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use flow_train::cli::{Cli, Command, TrainArgs};
use flow_train::commands::{self, Mapping};

/// mimalloc rather than the system allocator: the tensor operations allocate and free buffers
/// of hundreds of kilobytes at every step, which glibc's malloc maps and unmaps from the OS
/// each time (the page faults took over half the time of a RealNVP step at batch 1024).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{}", one_line(&error.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = flow_train::fatal::guarded(|| match cli.command {
        None => commands::train(&TrainArgs::default()),
        Some(Command::Train(args)) => commands::train(&args),
        Some(Command::Fit(args)) => commands::fit(&args),
        Some(Command::Eval(args)) => commands::eval(&args),
        Some(Command::Density(args)) => commands::density(&args),
        Some(Command::Sample(args)) => commands::sample(&args),
        Some(Command::Score(args)) => commands::map(&args, Mapping::Score),
        Some(Command::Encode(args)) => commands::map(&args, Mapping::Encode),
        Some(Command::Decode(args)) => commands::map(&args, Mapping::Decode),
        Some(Command::Data(args)) => commands::data(&args),
        Some(Command::Figure(args)) => commands::figure(&args),
        Some(Command::Export(args)) => commands::export_params(&args),
        Some(Command::Bench(args)) => commands::bench(&args),
        Some(Command::Simulate(args)) => commands::simulate(&args),
        Some(Command::Npe(args)) => commands::npe(&args),
        Some(Command::Sbc(args)) => commands::sbc(&args),
        Some(Command::Serve(args)) => commands::serve(&args).map(|()| leave_now()),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Nothing to say, and nobody to say it to: the reader has gone.
        Err(error @ flow_train::FlowError::StdoutClosed) => ExitCode::from(error.exit_code()),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Ends the process at once with exit code 0, the standard streams flushed, but without the
/// exit handlers: after `serve` is stopped (Ctrl-C, SIGTERM) the threads of a GPU driver may
/// still be winding down its sessions, and the driver's C++ static destructors, which the exit
/// handlers run, race them ("pure virtual method called", then an abort).
fn leave_now() -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: `_exit` ends the process without touching any Rust state; nothing after it runs.
    unsafe {
        libc::_exit(0)
    }
    #[cfg(not(unix))]
    std::process::exit(0)
}

/// Clap's multi-line usage error as one line (its hint about `--help` dropped).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}
