//! tolk-relay (being written: see the repository's issues).
