//! A hash map that grows in small steps.
//!
//! A `HashMap` grows by moving every entry into a table twice the size in
//! one insert. The transaction layer and the user agent keep each
//! transaction and ended dialog for 64*T1 (32 s) after it ends (RFC 3261
//! Timers J and D, RFC 6026 Timers L and M), so at 1,000 calls/s they hold
//! tens of thousands of entries, and that one insert took 10-15 ms: every
//! message waiting behind it was late. Split over [`SHARDS`] tables chosen
//! by hash, each growth moves a 64th of the entries, and the shards, filled
//! evenly, grow at different moments. A key is hashed once per operation:
//! bits 32 and up pick the shard, and the shard's table (hashbrown's
//! `HashTable`, which takes the hash from its caller) uses the same hash
//! for its bucket.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Shards per map: a growth step moves 1/64 of the entries.
const SHARDS: usize = 64;

/// A hash map (a subset of `HashMap`'s API) whose growth never moves
/// more than a 64th of its entries at once. Hashed with foldhash,
/// randomly seeded per map (keys come from the network).
pub(crate) struct ShardedMap<K, V> {
    hasher: RandomState,
    shards: Box<[HashTable<(K, V)>]>,
    len: usize,
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    pub(crate) fn new() -> Self {
        ShardedMap {
            hasher: RandomState::default(),
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
            len: 0,
        }
    }

    /// The key's hash and the index of its shard. Bits 32 and up pick the
    /// shard: the tables take their buckets from the low bits and their
    /// tags from the top seven.
    fn locate<Q: Hash + ?Sized>(&self, key: &Q) -> (u64, usize) {
        let hash = self.hasher.hash_one(key);
        (hash, (hash >> 32) as usize % SHARDS)
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (hash, i) = self.locate(key);
        self.shards[i]
            .find(hash, |(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (hash, i) = self.locate(key);
        self.shards[i]
            .find_mut(hash, |(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let (hash, i) = self.locate(&key);
        let hasher = &self.hasher;
        match self.shards[i].entry(hash, |(k, _)| *k == key, |(k, _)| hasher.hash_one(k)) {
            Entry::Occupied(mut slot) => Some(std::mem::replace(&mut slot.get_mut().1, value)),
            Entry::Vacant(slot) => {
                slot.insert((key, value));
                self.len += 1;
                None
            }
        }
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (hash, i) = self.locate(key);
        let slot = self.shards[i]
            .find_entry(hash, |(k, _)| k.borrow() == key)
            .ok()?;
        self.len -= 1;
        Some(slot.remove().0.1)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards
            .iter()
            .flat_map(|shard| shard.iter().map(|(k, v)| (k, v)))
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
