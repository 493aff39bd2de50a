//! The `tolk` binary: see `tolk --help`.

fn main() -> std::process::ExitCode {
    tolk_gateway::cli::main()
}
