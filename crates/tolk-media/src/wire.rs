//! Bounds-checked big-endian reads shared by the packet parsers.

/// Reads the `N` bytes at `at`, or `None` when `buf` is too short.
fn array<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    buf.get(at..end)?.try_into().ok()
}

pub(crate) fn u16_at(buf: &[u8], at: usize) -> Option<u16> {
    array(buf, at).map(u16::from_be_bytes)
}

pub(crate) fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    array(buf, at).map(u32::from_be_bytes)
}

/// Rounds `n` up to the next multiple of four (RTP and RTCP count 32-bit words).
pub(crate) fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}
