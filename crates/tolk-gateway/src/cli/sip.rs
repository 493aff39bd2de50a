//! `tolk sip inspect FILE [--stream]`: parse one SIP message and say what
//! Tolk's UAS core would answer to it. Output and exit codes are a
//! contract (see the README's "Integrator CLI" section).

use std::path::PathBuf;
use std::process::ExitCode;

use bytes::Bytes;
use clap::Subcommand;
use tolk_sip::uas_checks::{self, NoDialogs, Policy};
use tolk_sip::{Error, Frame, Limits, Message, StreamFramer};

/// `tolk sip` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SipCommand {
    /// Parse one SIP message and print a verdict; for a request, also the
    /// status code Tolk's UAS core would answer with (or `none`).
    Inspect {
        /// The message file (`-` for standard input).
        file: PathBuf,
        /// Frame by stream rules (TCP/TLS) instead of datagram rules (UDP).
        #[arg(long)]
        stream: bool,
    },
}

pub(crate) fn run(command: SipCommand) -> ExitCode {
    match command {
        SipCommand::Inspect { file, stream } => inspect(&file, stream),
    }
}

fn inspect(file: &std::path::Path, stream: bool) -> ExitCode {
    let bytes = match super::read_input(file) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let parsed = if stream {
        frame_one(&bytes)
    } else {
        Message::parse(bytes.clone())
    };
    let mut out = String::new();
    match &parsed {
        Ok(message) => {
            out.push_str("verdict: valid\n");
            summarize(message, &mut out);
        }
        Err(error) => out.push_str(&format!("verdict: invalid: {error}\n")),
    }
    let is_response = match &parsed {
        Ok(message) => message.as_response().is_some(),
        Err(_) => bytes
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/")),
    };
    if !is_response {
        let answer = uas_checks::answer(
            &parsed,
            &bytes,
            &Policy::default(),
            &NoDialogs,
            "tolk-inspect",
        );
        match answer {
            Some(response) => out.push_str(&format!("uas-response: {}\n", response.code())),
            None => out.push_str("uas-response: none\n"),
        }
    }
    print!("{out}");
    if parsed.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The first message of a stream (keep-alives before it are skipped).
fn frame_one(bytes: &Bytes) -> Result<Message, Error> {
    let mut framer = StreamFramer::new(Limits::default());
    framer.push(bytes);
    loop {
        match framer.next_frame()? {
            Some(Frame::Message(message)) => return Ok(message),
            Some(Frame::Ping | Frame::Pong) => continue,
            None => {
                return Err(framer.end_of_stream().unwrap_or(Error::Truncated {
                    line: 1,
                    offset: 0,
                    expected: "a SIP message",
                }));
            }
        }
    }
}

fn summarize(message: &Message, out: &mut String) {
    let headers = message.headers();
    match message {
        Message::Request(request) => {
            out.push_str("kind: request\n");
            out.push_str(&format!("method: {}\n", request.method()));
            out.push_str(&format!("request-uri: {}\n", request.uri_str()));
        }
        Message::Response(response) => {
            out.push_str("kind: response\n");
            out.push_str(&format!(
                "status: {} {}\n",
                response.code(),
                response.reason()
            ));
        }
    }
    if let Ok(call_id) = headers.call_id() {
        out.push_str(&format!("call-id: {call_id}\n"));
    }
    if let Ok(cseq) = headers.cseq() {
        out.push_str(&format!("cseq: {cseq}\n"));
    }
    if let Ok(from) = headers.from() {
        out.push_str(&format!("from: {}\n", from.uri));
    }
    if let Ok(to) = headers.to() {
        out.push_str(&format!("to: {}\n", to.uri));
    }
    let vias: Vec<_> = headers.vias().filter_map(Result::ok).collect();
    out.push_str(&format!("vias: {}\n", vias.len()));
    if let Some(branch) = vias.first().and_then(|v| v.branch()) {
        out.push_str(&format!("branch: {branch}\n"));
    }
    out.push_str(&format!("headers: {}\n", headers.len()));
    let content_type = headers.content_type().ok().flatten();
    match content_type {
        Some(t) => out.push_str(&format!("body: {} bytes {t}\n", message.body().len())),
        None => out.push_str(&format!("body: {} bytes\n", message.body().len())),
    }
}
