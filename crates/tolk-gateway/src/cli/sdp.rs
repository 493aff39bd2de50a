//! `tolk sdp inspect FILE` and `tolk sdp answer --profile NAME FILE`.
//!
//! FILE is an SDP body or a whole SIP message with an SDP body (`-` reads
//! standard input). Exit codes: 0 success; 1 the SDP does not parse (the
//! error names its line) or the offer is not acceptable (488 and Warning
//! code on stderr); 2 FILE cannot be read or the arguments are wrong.
//!
//! The answer's per-call inputs (ICE credentials, SDES keys, session id)
//! are fresh random values; the DTLS fingerprint is `--fingerprint` when
//! given. Without it the answer carries the digest of no certificate (a
//! note on stderr says so): the command shows a negotiation, it is not a
//! DTLS identity.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use rand::Rng as _;
use tolk_sdp::SdpBody;
use tolk_sdp::model::{Fingerprint, MediaDescription, MediaKind, SessionDescription};
use tolk_sdp::negotiate::profiles;

/// `tolk sdp` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SdpCommand {
    /// Print a summary of the SDP in FILE: m-lines, codecs, transport,
    /// security, ICE and BUNDLE.
    Inspect {
        /// An SDP body or a SIP message with one (`-` for stdin).
        file: PathBuf,
    },
    /// Answer the offer in FILE with a built-in capability profile; print
    /// the answer SDP, or the 488 reason and Warning code on stderr.
    Answer {
        /// The capability profile to answer with.
        #[arg(long, value_enum)]
        profile: Profile,
        /// The address to receive media on (default: loopback of the
        /// offer's address family).
        #[arg(long)]
        address: Option<std::net::IpAddr>,
        /// The first media port; m-line N gets PORT + 2N.
        #[arg(long, default_value_t = 30000)]
        port: u16,
        /// Our DTLS certificate fingerprint, e.g. `sha-256 AB:CD:...`.
        #[arg(long)]
        fingerprint: Option<String>,
        /// An SDP offer or a SIP message with one (`-` for stdin).
        file: PathBuf,
    },
}

/// The built-in profiles.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Profile {
    /// Browsers: Opus, G.711, VP8, H.264; DTLS-SRTP, BUNDLE, rtcp-mux, ICE-lite.
    Webrtc,
    /// SIP video: G.722, G.711, H.264 pm0/pm1; SDES optional.
    SipVideo,
    /// SIP audio: G.711, G.722; SDES optional.
    SipAudio,
}

pub(crate) fn run(command: SdpCommand) -> ExitCode {
    match command {
        SdpCommand::Inspect { file } => inspect(&file),
        SdpCommand::Answer {
            profile,
            address,
            port,
            fingerprint,
            file,
        } => answer(profile, address, port, fingerprint.as_deref(), &file),
    }
}

fn answer(
    profile: Profile,
    address: Option<std::net::IpAddr>,
    port: u16,
    fingerprint: Option<&str>,
    file: &std::path::Path,
) -> ExitCode {
    let fingerprint = match fingerprint.map(Fingerprint::parse).transpose() {
        Ok(fingerprint) => fingerprint,
        Err(expected) => {
            eprintln!("--fingerprint: expected {expected}");
            return ExitCode::from(2);
        }
    };
    let Some(input) = read(file) else {
        return ExitCode::from(2);
    };
    let offer = match SdpBody::find(&input).parse() {
        Ok(offer) => offer,
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            return ExitCode::from(1);
        }
    };
    let caps = match profile {
        Profile::Webrtc => profiles::webrtc(),
        Profile::SipVideo => profiles::sip_video(),
        Profile::SipAudio => profiles::sip_audio(),
    };
    let ipv6 = offer
        .connection
        .iter()
        .chain(offer.media.iter().filter_map(|m| m.connection.as_ref()))
        .any(|c| c.address_type == tolk_sdp::model::AddressType::Ip6);
    let address = address.unwrap_or(if ipv6 {
        std::net::Ipv6Addr::LOCALHOST.into()
    } else {
        std::net::Ipv4Addr::LOCALHOST.into()
    });
    let given = fingerprint.is_some();
    let mut local = RandomLocal {
        address,
        base_port: port,
        fingerprint: fingerprint.unwrap_or_else(random_fingerprint),
    };
    match tolk_sdp::answer(&offer, &caps, &mut local) {
        Ok(answer) => {
            let dtls = answer
                .description
                .media
                .iter()
                .any(|m| !m.fingerprints.is_empty());
            if dtls && !given {
                eprintln!("note: no --fingerprint given; the answer's fingerprint is random");
            }
            emit(&answer.description.to_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "{} Not Acceptable Here",
                tolk_sdp::NegotiationError::SIP_STATUS
            );
            let text = error.to_string().replace('"', "'");
            eprintln!("Warning: {} tolk \"{text}\"", error.warning().code());
            ExitCode::from(1)
        }
    }
}

/// Fresh random per-call inputs for the answer.
struct RandomLocal {
    address: std::net::IpAddr,
    base_port: u16,
    fingerprint: Fingerprint,
}

impl tolk_sdp::LocalMedia for RandomLocal {
    fn address(&self) -> std::net::IpAddr {
        self.address
    }

    fn port(&mut self, index: usize, _kind: &MediaKind) -> u16 {
        let offset = u16::try_from(index.saturating_mul(2)).unwrap_or(u16::MAX);
        self.base_port.saturating_add(offset)
    }

    fn session_id(&mut self) -> u64 {
        rand::rng().random_range(1..i64::MAX as u64)
    }

    fn ice_credentials(&mut self) -> (String, String) {
        (random_token(8), random_token(24))
    }

    fn fingerprint(&self) -> Option<Fingerprint> {
        Some(self.fingerprint.clone())
    }

    fn srtp_key_material(&mut self, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        rand::rng().fill(bytes.as_mut_slice());
        bytes
    }
}

fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn random_fingerprint() -> Fingerprint {
    let bytes: [u8; 32] = rand::rng().random();
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    Fingerprint {
        hash: tolk_sdp::model::Text::from_static("sha-256"),
        value: hex.join(":").into(),
    }
}

fn inspect(file: &std::path::Path) -> ExitCode {
    let Some(input) = read(file) else {
        return ExitCode::from(2);
    };
    match SdpBody::find(&input).parse() {
        Ok(description) => {
            emit(summary(&description).as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            ExitCode::from(1)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not a reason to panic.
fn emit(bytes: &[u8]) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
}

fn read(file: &std::path::Path) -> Option<Vec<u8>> {
    match super::read_input(file) {
        Ok(input) => Some(input),
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            None
        }
    }
}

/// The readable summary `inspect` prints: one block per m-line.
fn summary(description: &SessionDescription) -> String {
    let mut out = String::new();
    let origin = &description.origin;
    let _ = writeln!(
        out,
        "session: origin {} {} {} {}",
        origin.username, origin.session_id, origin.session_version, origin.address.address
    );
    let bundle = description
        .bundle()
        .map_or_else(|| "none".to_owned(), |mids| mids.join(" "));
    let _ = writeln!(out, "bundle: {bundle}");
    if description.ice_lite {
        let _ = writeln!(out, "ice: lite");
    }
    for (index, media) in description.media.iter().enumerate() {
        media_summary(&mut out, description, index, media);
    }
    out
}

fn media_summary(
    out: &mut String,
    description: &SessionDescription,
    index: usize,
    media: &MediaDescription,
) {
    let direction = media
        .direction
        .or(description.direction)
        .unwrap_or(tolk_sdp::model::Direction::SendRecv);
    let _ = write!(
        out,
        "m={index} {} port {} {} {direction}",
        media.kind, media.port, media.protocol
    );
    if let Some(mid) = &media.mid {
        let _ = write!(out, " mid {mid}");
    }
    let _ = writeln!(
        out,
        "{}",
        if media.is_rejected() {
            " (rejected)"
        } else {
            ""
        }
    );

    let codecs: Vec<String> = media
        .formats
        .iter()
        .map(|format| {
            let mut text = format.pt.to_string();
            match format.encoding() {
                Some(encoding) => {
                    let _ = write!(text, " {encoding}");
                }
                None => text.push_str(" (no rtpmap)"),
            }
            if let Some(fmtp) = &format.fmtp {
                let _ = write!(text, " [{}]", fmtp.0);
            }
            text
        })
        .chain(media.other_formats.iter().map(|format| format.to_string()))
        .collect();
    let _ = writeln!(out, "  codecs: {}", codecs.join(", "));

    let mut transport = Vec::new();
    if let Some(connection) = description.connection_for(index) {
        let hold = if connection.is_unspecified() {
            " (hold)"
        } else {
            ""
        };
        transport.push(format!(
            "c={} {}{hold}",
            connection.address_type.as_str(),
            connection.address
        ));
    }
    if media.rtcp_mux {
        transport.push("rtcp-mux".to_owned());
    }
    if media.rtcp_rsize {
        transport.push("rtcp-rsize".to_owned());
    }
    for bandwidth in &media.bandwidths {
        transport.push(format!("b={}:{}", bandwidth.kind, bandwidth.value));
    }
    if let Some(ptime) = media.ptime {
        transport.push(format!("ptime {ptime}"));
    }
    let _ = writeln!(out, "  transport: {}", none_if_empty(&transport));

    let mut security = Vec::new();
    let fingerprints = if media.fingerprints.is_empty() {
        &description.fingerprints
    } else {
        &media.fingerprints
    };
    for fingerprint in fingerprints {
        security.push(format!("dtls fingerprint {}", fingerprint.hash));
    }
    if let Some(setup) = media.setup.or(description.setup) {
        security.push(format!("setup {setup}"));
    }
    for crypto in &media.crypto {
        security.push(format!("sdes {} {}", crypto.tag, crypto.suite));
    }
    let _ = writeln!(out, "  security: {}", none_if_empty(&security));

    let mut ice = Vec::new();
    let ufrag = media.ice.ufrag.as_ref().or(description.ice.ufrag.as_ref());
    if let Some(ufrag) = ufrag {
        ice.push(format!("ufrag {ufrag}"));
    }
    if !media.candidates.is_empty() {
        ice.push(format!("{} candidates", media.candidates.len()));
    }
    if media.end_of_candidates {
        ice.push("end-of-candidates".to_owned());
    }
    let options = if media.ice.options.is_empty() {
        &description.ice.options
    } else {
        &media.ice.options
    };
    if !options.is_empty() {
        ice.push(format!("options {}", options.join(" ")));
    }
    let _ = writeln!(out, "  ice: {}", none_if_empty(&ice));
}

fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
