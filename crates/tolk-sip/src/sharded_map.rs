//! A hash map that grows in small steps.
//!
//! A `HashMap` grows by moving every entry into a table twice the size in
//! one insert. The transaction layer and the user agent keep each
//! transaction and ended dialog for 64*T1 (32 s) after it ends (RFC 3261
//! Timers J and D, RFC 6026 Timers L and M), so at 1,000 calls/s they hold
//! tens of thousands of entries, and that one insert took 10-15 ms: every
//! message waiting behind it was late. Split over [`SHARDS`] maps chosen by
//! hash, each growth moves a 64th of the entries, and the shards, filled
//! evenly, grow at different moments.

use foldhash::fast::RandomState;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Shards per map: a growth step moves 1/64 of the entries.
const SHARDS: usize = 64;

/// A hash map (a subset of `HashMap`'s API) whose growth never moves
/// more than a 64th of its entries at once. Hashed with foldhash,
/// randomly seeded per map (keys come from the network).
pub(crate) struct ShardedMap<K, V> {
    hasher: RandomState,
    shards: Box<[HashMap<K, V, RandomState>]>,
    len: usize,
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    pub(crate) fn new() -> Self {
        let hasher = RandomState::default();
        let shards = (0..SHARDS)
            .map(|_| HashMap::with_hasher(hasher.clone()))
            .collect();
        ShardedMap {
            hasher,
            shards,
            len: 0,
        }
    }

    /// The shard of `key`: hash bits that the shard's own table does not
    /// use (it takes its bucket from the low bits and its tag from the top
    /// seven), so the keys of one shard still spread over its buckets.
    fn index<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        (self.hasher.hash_one(key) >> 32) as usize % SHARDS
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[self.index(key)].get(key)
    }

    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = self.index(key);
        self.shards[index].get_mut(key)
    }

    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let index = self.index(&key);
        let previous = self.shards[index].insert(key, value);
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = self.index(key);
        let removed = self.shards[index].remove(key);
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every entry, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(HashMap::iter)
    }
}

impl<K: Hash + Eq, V> Default for ShardedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Hash + Eq + std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for ShardedMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::ShardedMap;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u16>(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k % 512, v)),
            any::<u16>().prop_map(|k| Op::Remove(k % 512)),
        ]
    }

    proptest! {
        /// Whatever the inserts and removes, it answers as a HashMap does.
        #[test]
        fn behaves_as_a_hash_map(ops in proptest::collection::vec(op(), 0..2_000)) {
            let mut sharded = ShardedMap::new();
            let mut plain = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(sharded.insert(k, v), plain.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(sharded.remove(&k), plain.remove(&k)),
                }
                prop_assert_eq!(sharded.len(), plain.len());
            }
            for k in 0..512u16 {
                prop_assert_eq!(sharded.get(&k), plain.get(&k));
                prop_assert_eq!(sharded.contains_key(&k), plain.contains_key(&k));
            }
            prop_assert_eq!(sharded.iter().count(), plain.len());
        }
    }

    #[test]
    fn borrowed_keys_find_owned_ones() {
        let mut map: ShardedMap<String, u8> = ShardedMap::new();
        map.insert("z9hG4bK-1".to_string(), 1);
        assert_eq!(map.get("z9hG4bK-1"), Some(&1));
        *map.get_mut("z9hG4bK-1").unwrap() = 2;
        assert_eq!(map.remove("z9hG4bK-1"), Some(2));
        assert!(map.is_empty());
    }
}
