//! tolk-media (being written: see the repository's issues).
