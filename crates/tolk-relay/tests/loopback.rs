//! The relay over real loopback sockets, once per I/O path: the same cases
//! (tests/loopback/cases.rs, and the idle socket pool's in
//! tests/loopback/pool.rs) against the epoll and the io_uring workers.
#![allow(clippy::unwrap_used)]

mod support;

mod epoll {
    const IO: tolk_relay::IoMode = tolk_relay::IoMode::Epoll;
    const PORT_SHIFT: u16 = 0;
    mod cases {
        include!("loopback/cases.rs");
    }
    mod pool {
        include!("loopback/pool.rs");
    }
}

mod uring {
    const IO: tolk_relay::IoMode = tolk_relay::IoMode::Uring;
    /// Ports 56100-59999: the same cases must not collide with the epoll run.
    const PORT_SHIFT: u16 = 10_000;
    mod cases {
        include!("loopback/cases.rs");
    }
    mod pool {
        include!("loopback/pool.rs");
    }
}
