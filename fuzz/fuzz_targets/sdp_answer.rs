//! Offer -> answer on arbitrary input with each built-in profile: never
//! panics; answers keep the m-line count, print and parse again, and read
//! back on the offerer's side; media plans build from them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_sdp::model::{Fingerprint, MediaKind};
use tolk_sdp::negotiate::profiles;

struct Local(u8);

impl tolk_sdp::LocalMedia for Local {
    fn address(&self) -> std::net::IpAddr {
        std::net::Ipv4Addr::new(192, 0, 2, 1).into()
    }
    fn port(&mut self, index: usize, _kind: &MediaKind) -> u16 {
        u16::try_from(index).map_or(u16::MAX, |i| i.saturating_mul(2).saturating_add(20000))
    }
    fn session_id(&mut self) -> u64 {
        7
    }
    fn ice_credentials(&mut self) -> (String, String) {
        ("fuzz".to_owned(), "fuzzfuzzfuzzfuzzfuzzfu".to_owned())
    }
    fn fingerprint(&self) -> Option<Fingerprint> {
        Some(Fingerprint {
            hash: "sha-256".into(),
            value: ["01"; 32].join(":").into(),
        })
    }
    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        self.0 = self.0.wrapping_add(1);
        vec![self.0; len]
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(offer) = tolk_sdp::SdpBody::find(data).parse() else {
        return;
    };
    for name in profiles::PROFILE_NAMES {
        let Some(caps) = profiles::profile(name) else { continue };
        let Ok(answer) = tolk_sdp::answer(&offer, &caps, &mut Local(0)) else {
            continue;
        };
        assert_eq!(answer.description.media.len(), offer.media.len());
        let printed = answer.description.to_bytes();
        let again = tolk_sdp::parse(&printed).expect("our answer parses");
        assert_eq!(again, answer.description);
        let _ = tolk_sdp::process_answer(&offer, &again);
        let plan = tolk_sdp::plan::plan(&answer.negotiation, &answer.negotiation, |_, _| true);
        assert!(plan.unpaired.is_empty());
    }
});
