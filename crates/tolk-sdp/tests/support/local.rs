//! Deterministic per-call inputs (address, ports, credentials, keys) for
//! tests, the allocation count and the benchmarks, which include this
//! file by path.

/// A SHA-256 fingerprint: 32 hex pairs.
const FINGERPRINT: &str = "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:\
AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB";

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
        // A gateway keeps its certificate's fingerprint; cloning it into
        // each answer allocates nothing.
        Some(tolk_sdp::model::Fingerprint {
            hash: tolk_sdp::model::Text::from_static("sha-256"),
            value: tolk_sdp::model::Text::from_static(FINGERPRINT),
        })
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        self.counter = self.counter.wrapping_add(1);
        (0..len)
            .map(|i| self.counter.wrapping_add(i as u8))
            .collect()
    }
}
