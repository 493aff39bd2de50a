//! `tolk sdp inspect FILE` and `tolk sdp answer --profile NAME FILE`.
//!
//! FILE is an SDP body or a whole SIP message with an SDP body (`-` reads
//! standard input). Exit codes: 0 success; 1 the SDP does not parse (the
//! error names its line) or the offer is not acceptable (488 and Warning
//! code on stderr); 2 FILE cannot be read or the arguments are wrong.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tolk_sdp::SdpBody;
use tolk_sdp::model::{MediaDescription, SessionDescription};

/// `tolk sdp` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SdpCommand {
    /// Print a summary of the SDP in FILE: m-lines, codecs, transport,
    /// security, ICE and BUNDLE.
    Inspect {
        /// An SDP body or a SIP message with one (`-` for stdin).
        file: PathBuf,
    },
}

pub(crate) fn run(command: SdpCommand) -> ExitCode {
    match command {
        SdpCommand::Inspect { file } => inspect(&file),
    }
}

fn inspect(file: &std::path::Path) -> ExitCode {
    let Some(input) = read(file) else {
        return ExitCode::from(2);
    };
    match SdpBody::find(&input).parse() {
        Ok(description) => {
            print!("{}", summary(&description));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            ExitCode::from(1)
        }
    }
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
        .chain(media.other_formats.iter().cloned())
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
