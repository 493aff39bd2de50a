//! The reply cache: a client that retransmits a command (the same cookie
//! and body) gets the reply it was sent before, and the command is not run
//! twice.
//! An offer retransmitted because its reply was lost must not allocate a
//! second set of ports.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Replies by request (the ng server keys them by the whole datagram), for
/// `ttl`, at most `capacity` of them and `max_bytes` of keys and replies
/// together (oldest go first), so that a flood of distinct requests costs
/// bounded memory.
#[derive(Debug)]
pub struct ReplyCache {
    ttl: Duration,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    replies: HashMap<Vec<u8>, Vec<u8>>,
    order: VecDeque<(Instant, Vec<u8>)>,
}

impl ReplyCache {
    /// An empty cache.
    pub fn new(ttl: Duration, capacity: usize, max_bytes: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            max_bytes,
            bytes: 0,
            replies: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The reply cached for `request`, if still fresh.
    pub fn get(&mut self, now: Instant, request: &[u8]) -> Option<&[u8]> {
        self.expire(now);
        self.replies.get(request).map(Vec::as_slice)
    }

    /// Remembers `reply` for `request`.
    pub fn insert(&mut self, now: Instant, request: &[u8], reply: Vec<u8>) {
        self.expire(now);
        let size = request.len() + reply.len();
        while self.replies.len() >= self.capacity || self.bytes + size > self.max_bytes {
            if !self.evict_oldest() {
                break;
            }
        }
        if size > self.max_bytes || self.replies.contains_key(request) {
            return;
        }
        self.bytes += size;
        self.replies.insert(request.to_vec(), reply);
        self.order.push_back((now, request.to_vec()));
    }

    /// Bytes of requests and replies held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn evict_oldest(&mut self) -> bool {
        let Some((_, request)) = self.order.pop_front() else {
            return false;
        };
        if let Some(reply) = self.replies.remove(&request) {
            self.bytes -= request.len() + reply.len();
        }
        true
    }

    /// Replies held.
    pub fn len(&self) -> usize {
        self.replies.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.replies.is_empty()
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) < self.ttl {
                break;
            }
            self.evict_oldest();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_expire_and_are_bounded() {
        let t0 = Instant::now();
        let mut c = ReplyCache::new(Duration::from_secs(30), 2, 1 << 20);
        c.insert(t0, b"a", b"ra".to_vec());
        c.insert(t0, b"b", b"rb".to_vec());
        assert_eq!(c.get(t0, b"a"), Some(&b"ra"[..]));
        c.insert(t0 + Duration::from_secs(1), b"c", b"rc".to_vec());
        assert_eq!(c.get(t0, b"a"), None, "oldest evicted at capacity");
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(t0 + Duration::from_secs(30), b"b"), None);
        assert_eq!(c.get(t0 + Duration::from_secs(30), b"c"), Some(&b"rc"[..]));
        assert_eq!(c.get(t0 + Duration::from_secs(31), b"c"), None);
        assert!(c.is_empty());
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn bytes_are_bounded() {
        let t0 = Instant::now();
        let mut c = ReplyCache::new(Duration::from_secs(30), 100, 10);
        c.insert(t0, b"a", vec![0; 4]);
        c.insert(t0, b"b", vec![0; 4]);
        assert_eq!((c.len(), c.bytes()), (2, 10));
        c.insert(t0, b"c", vec![0; 4]);
        assert_eq!(c.get(t0, b"a"), None, "oldest evicted for space");
        assert_eq!((c.len(), c.bytes()), (2, 10));
        c.insert(t0, b"huge", vec![0; 64]);
        assert_eq!(
            c.get(t0, b"huge"),
            None,
            "larger than the whole budget: not kept"
        );
    }
}
