//! tolk-sdp (being written: see the repository's issues).
