//! H.264 `profile-level-id` and the RFC 6184 §8.2.2 offer/answer rules:
//! formats match on profile and packetization mode; the level is the
//! lower of the two unless both allow level asymmetry.

/// The H.264 profiles that matter for interop (RFC 6184 Table 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Constrained Baseline (WebRTC's mandatory profile).
    ConstrainedBaseline,
    /// Baseline.
    Baseline,
    /// Main.
    Main,
    /// Extended.
    Extended,
    /// High.
    High,
    /// Constrained High.
    ConstrainedHigh,
    /// Another `profile_idc`.
    Other(u8),
}

/// A parsed `profile-level-id` (three hex bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileLevelId {
    /// `profile_idc`.
    pub profile_idc: u8,
    /// `profile-iop`: the constraint flags.
    pub profile_iop: u8,
    /// `level_idc`.
    pub level_idc: u8,
}

/// The default when the parameter is absent (RFC 6184 §8.1: Baseline,
/// level 1).
pub const DEFAULT: ProfileLevelId = ProfileLevelId {
    profile_idc: 0x42,
    profile_iop: 0x00,
    level_idc: 0x0a,
};

impl ProfileLevelId {
    /// Reads six hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 6 || !text.is_ascii() {
            return None;
        }
        let byte = |at: usize| {
            text.get(at..at + 2)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        };
        Some(ProfileLevelId {
            profile_idc: byte(0)?,
            profile_iop: byte(2)?,
            level_idc: byte(4)?,
        })
    }

    /// The profile the idc and constraint flags denote.
    pub fn profile(self) -> Profile {
        let iop = self.profile_iop;
        let set0 = iop & 0x80 != 0;
        let set1 = iop & 0x40 != 0;
        match self.profile_idc {
            0x42 if set1 => Profile::ConstrainedBaseline,
            0x42 => Profile::Baseline,
            0x4d if set0 => Profile::ConstrainedBaseline,
            0x4d => Profile::Main,
            0x58 if set0 && set1 => Profile::ConstrainedBaseline,
            0x58 if set0 => Profile::Baseline,
            0x58 => Profile::Extended,
            0x64 if iop & 0x0c == 0x0c => Profile::ConstrainedHigh,
            0x64 => Profile::High,
            other => Profile::Other(other),
        }
    }

    /// The level as a sortable number: `level_idc` times ten, with level
    /// 1b (idc 11 plus constraint_set3 in the Baseline family, or idc 9)
    /// between 1 and 1.1.
    pub fn level_rank(self) -> u16 {
        let baseline_family = matches!(self.profile_idc, 0x42 | 0x4d | 0x58);
        let is_1b = self.level_idc == 9
            || (baseline_family && self.level_idc == 11 && self.profile_iop & 0x10 != 0);
        if is_1b {
            105
        } else {
            u16::from(self.level_idc) * 10
        }
    }

    /// The same profile at `level`'s level.
    pub fn with_level_of(self, level: ProfileLevelId) -> Self {
        ProfileLevelId {
            profile_idc: self.profile_idc,
            profile_iop: (self.profile_iop & !0x10) | (level.profile_iop & 0x10),
            level_idc: level.level_idc,
        }
    }
}

impl std::fmt::Display for ProfileLevelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02x}{:02x}{:02x}",
            self.profile_idc, self.profile_iop, self.level_idc
        )
    }
}

/// The H.264 parameters that decide a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Params {
    /// `profile-level-id` (default when absent).
    pub profile_level_id: ProfileLevelId,
    /// `packetization-mode` (0 when absent).
    pub packetization_mode: u8,
    /// `level-asymmetry-allowed=1`.
    pub level_asymmetry_allowed: bool,
}

impl H264Params {
    /// Reads the parameters from an fmtp; `None` if a value is malformed.
    pub fn from_fmtp(fmtp: Option<&crate::model::Fmtp>) -> Option<Self> {
        // One pass over the pairs; the first occurrence of a name counts.
        let (mut profile_level_id, mut packetization_mode, mut asymmetry) = (None, None, None);
        for (name, value) in fmtp.into_iter().flat_map(|fmtp| fmtp.params()) {
            let slot = if name.eq_ignore_ascii_case("profile-level-id") {
                &mut profile_level_id
            } else if name.eq_ignore_ascii_case("packetization-mode") {
                &mut packetization_mode
            } else if name.eq_ignore_ascii_case("level-asymmetry-allowed") {
                &mut asymmetry
            } else {
                continue;
            };
            slot.get_or_insert(value);
        }
        Some(H264Params {
            profile_level_id: match profile_level_id {
                Some(text) => ProfileLevelId::parse(text)?,
                None => DEFAULT,
            },
            packetization_mode: match packetization_mode {
                Some(text) => text.parse().ok()?,
                None => 0,
            },
            level_asymmetry_allowed: asymmetry == Some("1"),
        })
    }

    /// Whether two sides can exchange this format (profile and mode).
    pub fn matches(&self, other: &H264Params) -> bool {
        self.profile_level_id.profile() == other.profile_level_id.profile()
            && self.packetization_mode == other.packetization_mode
    }

    /// The fmtp the answerer writes for an offered format it matches with
    /// its local one: the offered profile at the negotiated level.
    pub fn answer(offered: &H264Params, local: &H264Params) -> H264Params {
        let asymmetric = offered.level_asymmetry_allowed && local.level_asymmetry_allowed;
        let local_level = local.profile_level_id;
        let offered_level = offered.profile_level_id;
        let level = if asymmetric || local_level.level_rank() <= offered_level.level_rank() {
            local_level
        } else {
            offered_level
        };
        H264Params {
            profile_level_id: offered_level.with_level_of(level),
            packetization_mode: offered.packetization_mode,
            level_asymmetry_allowed: asymmetric,
        }
    }

    /// The fmtp text.
    pub fn to_fmtp(&self) -> crate::model::Fmtp {
        let mut text = String::new();
        if self.level_asymmetry_allowed {
            text.push_str("level-asymmetry-allowed=1;");
        }
        text.push_str(&format!(
            "packetization-mode={};profile-level-id={}",
            self.packetization_mode, self.profile_level_id
        ));
        crate::model::Fmtp(text.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plid(text: &str) -> ProfileLevelId {
        ProfileLevelId::parse(text).expect("valid profile-level-id")
    }

    #[test]
    fn profiles_of_common_values() {
        assert_eq!(plid("42e01f").profile(), Profile::ConstrainedBaseline);
        assert_eq!(plid("42c01f").profile(), Profile::ConstrainedBaseline);
        assert_eq!(plid("42001f").profile(), Profile::Baseline);
        assert_eq!(plid("4d001f").profile(), Profile::Main);
        assert_eq!(plid("64001f").profile(), Profile::High);
        assert_eq!(plid("640c1f").profile(), Profile::ConstrainedHigh);
        assert_eq!(plid("f4001f").profile(), Profile::Other(0xf4));
        assert_eq!(ProfileLevelId::parse("42e0"), None);
        assert_eq!(ProfileLevelId::parse("zze01f"), None);
    }

    #[test]
    fn level_1b_sorts_between_1_and_1_1() {
        assert!(plid("42f00b").level_rank() > plid("42e00a").level_rank());
        assert!(plid("42f00b").level_rank() < plid("42e00b").level_rank());
        assert_eq!(plid("4d0009").level_rank(), 105);
    }

    #[test]
    fn answer_takes_the_lower_level_without_asymmetry() {
        let offered = H264Params {
            profile_level_id: plid("42e01f"),
            packetization_mode: 1,
            level_asymmetry_allowed: false,
        };
        let local = H264Params {
            profile_level_id: plid("42e028"),
            packetization_mode: 1,
            level_asymmetry_allowed: true,
        };
        let answer = H264Params::answer(&offered, &local);
        assert_eq!(answer.profile_level_id, plid("42e01f"));
        let lower = H264Params {
            profile_level_id: plid("42e015"),
            ..local
        };
        assert_eq!(
            H264Params::answer(&offered, &lower).profile_level_id,
            plid("42e015")
        );
    }

    #[test]
    fn answer_states_its_own_level_with_asymmetry() {
        let offered = H264Params {
            profile_level_id: plid("42e01f"),
            packetization_mode: 1,
            level_asymmetry_allowed: true,
        };
        let local = H264Params {
            profile_level_id: plid("42e034"),
            packetization_mode: 1,
            level_asymmetry_allowed: true,
        };
        let answer = H264Params::answer(&offered, &local);
        assert_eq!(answer.profile_level_id, plid("42e034"));
        assert!(answer.level_asymmetry_allowed);
        assert_eq!(
            answer.to_fmtp().0,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e034"
        );
    }

    #[test]
    fn match_needs_profile_and_mode() {
        let params = |text: &str| {
            H264Params::from_fmtp(Some(&crate::model::Fmtp(text.into()))).expect("valid")
        };
        let cb1 = params("profile-level-id=42e01f;packetization-mode=1");
        assert!(cb1.matches(&params("profile-level-id=42e00a;packetization-mode=1")));
        assert!(!cb1.matches(&params("profile-level-id=42e01f")));
        assert!(!cb1.matches(&params("profile-level-id=42001f;packetization-mode=1")));
        assert!(!cb1.matches(&params("profile-level-id=4d001f;packetization-mode=1")));
        assert_eq!(
            H264Params::from_fmtp(None).map(|p| p.packetization_mode),
            Some(0)
        );
    }
}
