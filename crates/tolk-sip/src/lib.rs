//! tolk-sip (being written: see the repository's issues).
