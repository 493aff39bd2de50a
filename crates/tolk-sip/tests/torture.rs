//! Conformance: every RFC 4475 and RFC 5118 torture message in the shared
//! corpus gets what its manifest asks for. The expectations below restate
//! the manifest's verdicts with the answer Tolk's UAS core gives (where
//! the RFC leaves a choice, the choice is named in a comment).

use bytes::Bytes;
use tolk_sip::uas_checks::{self, NoDialogs, Policy};
use tolk_sip::{Message, names};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    Valid,
    Invalid,
}
use Parse::*;

/// (file, parse verdict, the UAS core's answer: a status code, or None
/// for no answer at all).
const EXPECTED: &[(&str, Parse, Option<u16>)] = &[
    // RFC 4475 3.1.1: valid messages.
    ("wsinv.dat", Valid, Some(481)), // To carries a tag and no dialog exists
    ("intmeth.dat", Valid, Some(501)),
    ("esc01.dat", Valid, Some(100)),
    ("escnull.dat", Valid, Some(200)),
    ("esc02.dat", Valid, Some(501)),
    ("lwsdisp.dat", Valid, Some(200)),
    ("longreq.dat", Valid, Some(100)),
    ("dblreq.dat", Valid, Some(200)),
    ("semiuri.dat", Valid, Some(200)),
    ("transports.dat", Valid, Some(200)),
    ("mpart01.dat", Valid, Some(200)),
    ("unreason.dat", Valid, None),
    ("noreason.dat", Valid, None),
    // RFC 4475 3.1.2: invalid messages.
    ("badinv01.dat", Invalid, Some(400)),
    ("clerr.dat", Invalid, Some(400)),
    ("ncl.dat", Invalid, Some(400)),
    ("scalar02.dat", Invalid, Some(400)),
    ("scalarlg.dat", Invalid, None),
    ("quotbal.dat", Invalid, Some(400)),
    ("ltgtruri.dat", Invalid, Some(400)),
    ("lwsruri.dat", Invalid, Some(400)),
    ("lwsstart.dat", Invalid, Some(400)),
    ("trws.dat", Invalid, Some(400)),
    ("escruri.dat", Invalid, Some(400)),
    ("baddate.dat", Invalid, Some(400)),
    ("regbadct.dat", Invalid, Some(400)),
    ("badaspec.dat", Invalid, Some(400)),
    ("baddn.dat", Invalid, Some(400)),
    ("badvers.dat", Invalid, Some(505)),
    ("mismatch01.dat", Invalid, Some(400)),
    ("mismatch02.dat", Invalid, Some(400)), // the RFC allows 400 or 501
    ("bigcode.dat", Invalid, None),
    // RFC 4475 3.2-3.4: valid but unusual or semantically wrong.
    ("badbranch.dat", Valid, Some(400)), // rejected rather than RFC 2543 matching
    ("insuf.dat", Valid, Some(400)),
    ("unkscm.dat", Valid, Some(416)),
    ("novelsc.dat", Valid, Some(416)),
    ("unksm2.dat", Valid, Some(400)), // a registrar needs a SIP To
    ("bext01.dat", Valid, Some(420)),
    ("invut.dat", Valid, Some(415)),
    ("regaut01.dat", Valid, Some(200)), // unknown scheme ignored by the registrar
    ("multi01.dat", Valid, Some(400)),
    ("mcl01.dat", Invalid, Some(400)), // ambiguous framing fails the parse
    ("bcast.dat", Valid, None),
    ("zeromf.dat", Valid, Some(200)), // the UAS answers the OPTIONS itself
    ("cparam01.dat", Valid, Some(200)),
    ("cparam02.dat", Valid, Some(200)),
    ("regescrt.dat", Valid, Some(200)),
    ("sdp01.dat", Valid, Some(406)),
    ("inv2543.dat", Valid, Some(100)),
    ("test.dat", Invalid, None), // no Via to answer to
    // RFC 5118, on CRLF copies with the archive's framing repaired.
    ("ipv6-good", Valid, Some(200)),
    ("ipv6-bad", Invalid, Some(400)),
    ("port-ambiguous", Valid, Some(200)),
    ("port-unambiguous", Valid, Some(200)),
    ("via-received-param-with-delim", Valid, Some(481)),
    ("via-received-param-no-delim", Valid, Some(200)),
    ("ipv6-in-sdp", Valid, Some(100)),
    ("mult-ip-in-header", Valid, Some(481)),
    ("mult-ip-in-sdp", Valid, Some(100)),
    ("ipv4-mapped-ipv6", Valid, Some(100)),
    ("ipv6-bug-abnf-3-colons", Valid, Some(200)),
    ("ipv6-correct-abnf-2-colons", Valid, Some(200)),
];

/// RFC 5118's archive uses bare LF, and some members lack the empty line
/// after the headers or declare a wrong Content-Length: convert to CRLF,
/// end the header section, and set Content-Length to the body's length.
fn repair_rfc5118(bytes: &[u8]) -> Bytes {
    let text = String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let (head, body) = match text.split_once("\r\n\r\n") {
        Some((head, body)) => (head.to_owned(), body.to_owned()),
        None => (text.trim_end_matches("\r\n").to_owned(), String::new()),
    };
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line.split(':').next().unwrap_or_default().trim();
        if names::same_header(name, names::CONTENT_LENGTH) {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Bytes::from(out)
}

#[test]
fn torture_corpus() {
    let Some(dir) = tolk_testkit::conformance_dir("sip-torture") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    let policy = Policy::default();
    let mut passed = 0;
    let mut failures = Vec::new();
    println!(
        "{:<32} {:<8} {:<28} {:<9} {:<9} result",
        "file", "rfc", "manifest", "parse", "answer"
    );
    let rows: Vec<_> = manifest
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), 62, "the manifest lists 62 messages");
    for row in rows {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, rfc, verdict) = (cols[0], cols[1], cols[3]);
        let &(_, want_parse, want_answer) = EXPECTED
            .iter()
            .find(|(f, ..)| *f == file)
            .unwrap_or_else(|| panic!("{file} has no expectation"));
        // The manifest's own verdicts bind where it states them.
        match verdict {
            "valid" => assert_eq!(want_parse, Valid, "{file}"),
            "invalid" => assert_eq!(want_parse, Invalid, "{file}"),
            _ => {}
        }
        let original = std::fs::read(dir.join("messages").join(file)).expect("message file");
        let bytes = if rfc == "5118" {
            repair_rfc5118(&original)
        } else {
            Bytes::from(original)
        };
        let parsed = Message::parse(bytes.clone());
        let got_parse = if parsed.is_ok() { Valid } else { Invalid };
        let answer = uas_checks::answer(&parsed, &bytes, &policy, &NoDialogs, "tolk1");
        let got_answer = answer.as_ref().map(|r| r.code());
        let ok = got_parse == want_parse && got_answer == want_answer;
        let detail = match &parsed {
            Ok(_) => "valid".to_owned(),
            Err(e) => format!("invalid: {e}"),
        };
        println!(
            "{file:<32} {rfc:<8} {verdict:<28} {:<9} {:<9} {}",
            format!("{got_parse:?}"),
            got_answer.map_or("none".to_owned(), |c| c.to_string()),
            if ok { "pass" } else { "FAIL" }
        );
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "{file}: {detail}; answer {got_answer:?}, want {want_parse:?} {want_answer:?}"
            ));
        }
        // Whatever parsed prints back to something that parses the same.
        if let Ok(message) = &parsed {
            assert_eq!(
                Message::parse(message.to_bytes()).as_ref(),
                Ok(message),
                "{file} round trip"
            );
        }
    }
    println!("{passed} of 62 torture messages get what the manifest asks");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert_eq!(passed, 62);
}
