//! The `tolk` binary: see `tolk --help`.

// The gateway allocates and frees small objects per SIP message and per
// call from a few threads; mimalloc does that with less CPU than the
// system allocator (BENCHMARKS.md). Embedders choose their own (the
// `mimalloc` feature, on by default, only brings the crate in).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tolk_gateway::cli::main()
}
