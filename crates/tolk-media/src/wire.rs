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

pub(crate) fn u64_at(buf: &[u8], at: usize) -> Option<u64> {
    array(buf, at).map(u64::from_be_bytes)
}

/// Reads consecutive big-endian fields from a slice, failing with a
/// `Truncated` error that names the structure being read.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    what: &'static str,
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(what: &'static str, buf: &'a [u8]) -> Self {
        Reader { what, buf, at: 0 }
    }

    fn short(&self, needed: usize) -> crate::Error {
        crate::Error::truncated(self.what, self.at.saturating_add(needed), self.buf.len())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, crate::Error> {
        Ok(self.bytes(1)?.first().copied().unwrap_or(0))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, crate::Error> {
        let v = u16_at(self.buf, self.at).ok_or_else(|| self.short(2))?;
        self.at += 2;
        Ok(v)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, crate::Error> {
        let v = u32_at(self.buf, self.at).ok_or_else(|| self.short(4))?;
        self.at += 4;
        Ok(v)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, crate::Error> {
        let v = u64_at(self.buf, self.at).ok_or_else(|| self.short(8))?;
        self.at += 8;
        Ok(v)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], crate::Error> {
        let end = self.at.checked_add(n).ok_or_else(|| self.short(n))?;
        let v = self.buf.get(self.at..end).ok_or_else(|| self.short(n))?;
        self.at = end;
        Ok(v)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let v = self.buf.get(self.at..).unwrap_or_default();
        self.at = self.buf.len();
        v
    }

    pub(crate) fn position(&self) -> usize {
        self.at
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.at)
    }
}
