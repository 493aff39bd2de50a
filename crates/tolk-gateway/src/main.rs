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
    #[cfg(unix)]
    raise_open_files_limit();
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

/// The open-files limit's soft value raised to its hard one, as servers
/// that hold a socket per media port do: each anchored call holds two to
/// four, and a login shell's usual soft limit of 1,024 would cap the
/// gateway at a few hundred calls. The administrator's hard limit stands.
#[cfg(unix)]
#[allow(unsafe_code)]
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read or write one rlimit we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) == 0
            && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &raw const limit);
        }
    }
}
