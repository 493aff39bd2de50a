//! Shared test support: the in-repo vectors and proptest strategies for
//! generated session descriptions.
#![allow(dead_code)]

pub mod offers;
pub mod strategies;

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

/// Deterministic per-call inputs for negotiation tests.
pub struct TestLocal {
    /// The media address.
    pub address: std::net::IpAddr,
    counter: u8,
}

impl TestLocal {
    /// On 192.0.2.99.
    pub fn v4() -> Self {
        TestLocal {
            address: std::net::Ipv4Addr::new(192, 0, 2, 99).into(),
            counter: 0,
        }
    }

    /// On 2001:db8::99.
    pub fn v6() -> Self {
        TestLocal {
            address: "2001:db8::99".parse().expect("IPv6"),
            counter: 0,
        }
    }
}

impl tolk_sdp::LocalMedia for TestLocal {
    fn address(&self) -> std::net::IpAddr {
        self.address
    }
    fn port(&mut self, index: usize, _kind: &tolk_sdp::model::MediaKind) -> u16 {
        40000 + 2 * index as u16
    }
    fn session_id(&mut self) -> u64 {
        4242
    }
    fn ice_credentials(&mut self) -> (String, String) {
        (
            "tolkufrag".to_owned(),
            "tolkpasswordtolkpassword".to_owned(),
        )
    }
    fn fingerprint(&self) -> Option<tolk_sdp::model::Fingerprint> {
        Some(tolk_sdp::model::Fingerprint {
            hash: "sha-256".to_owned(),
            value: ["AB"; 32].join(":"),
        })
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        self.counter = self.counter.wrapping_add(1);
        (0..len)
            .map(|i| self.counter.wrapping_add(i as u8))
            .collect()
    }
}

/// Answers with a built-in profile and deterministic local inputs.
pub fn answer_with(
    offer: &tolk_sdp::SessionDescription,
    profile: &str,
) -> Result<tolk_sdp::Answer, tolk_sdp::NegotiationError> {
    let caps = tolk_sdp::negotiate::profiles::profile(profile).expect("built-in profile");
    tolk_sdp::answer(offer, &caps, &mut TestLocal::v4())
}
