//! Shared test support: the in-repo vectors and proptest strategies for
//! generated session descriptions.
#![allow(dead_code)]

mod local;
pub mod offers;
pub mod strategies;

pub use local::TestLocal;

use std::path::PathBuf;

/// The path of an in-repo vector.
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name)
}

/// The bytes of an in-repo vector.
pub fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vector_path(name)).unwrap_or_else(|e| panic!("vector {name}: {e}"))
}

/// Parses an in-repo vector (SDP or SIP message).
pub fn parse_vector(name: &str) -> tolk_sdp::SessionDescription {
    let bytes = vector(name);
    tolk_sdp::SdpBody::find(&bytes)
        .parse()
        .unwrap_or_else(|e| panic!("vector {name}: {e}"))
}

/// Every real client's offer in the shared corpus, with its file name.
pub fn real_client_offers() -> Vec<(String, tolk_sdp::SessionDescription)> {
    let Some(dir) = tolk_testkit::conformance_dir("real-clients") else {
        return Vec::new();
    };
    let mut offers = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("readable corpus")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "sdp" || ext == "sip")
        })
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).expect("readable offer");
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let description = tolk_sdp::SdpBody::find(&bytes)
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        offers.push((name, description));
    }
    offers
}

/// Answers with a built-in profile and deterministic local inputs.
pub fn answer_with(
    offer: &tolk_sdp::SessionDescription,
    profile: &str,
) -> Result<tolk_sdp::Answer, tolk_sdp::NegotiationError> {
    let caps = tolk_sdp::negotiate::profiles::profile(profile).expect("built-in profile");
    tolk_sdp::answer(offer, &caps, &mut TestLocal::v4())
}
