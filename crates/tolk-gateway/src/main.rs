//! The `tolk` binary: see `tolk --help`.

// The gateway allocates and frees small objects per SIP message and per
// call from a few threads; mimalloc does that with less CPU than the
// system allocator (BENCHMARKS.md). Embedders choose their own (the
// `mimalloc` feature, on by default, only brings the crate in).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    no_transparent_huge_pages();
    tolk_gateway::cli::main()
}

/// Transparent huge pages off for this process. mimalloc advises them for
/// its arenas, and the first touch of each 2 MiB page then zeroes all of
/// it at once: 52 % of the event loop's time in its longest stalls at
/// 1,000 calls/s (BENCHMARKS.md), again whenever a purged page is reused.
/// With 4 KiB pages that cost spreads over the allocations.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
#[allow(unsafe_code)]
fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
