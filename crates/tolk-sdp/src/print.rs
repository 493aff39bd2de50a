//! Writing a session description as RFC 8866 text, CRLF line ends.
//!
//! Known attributes come out in one fixed order (close to what browsers
//! write); the attributes kept in `other` follow, in their own order, as
//! they were read. Model strings are free text set by callers, so NUL, CR
//! and LF are dropped on the way out: no value can inject a line.

use std::fmt::Write as _;

use crate::model::{Address, Bandwidth, IceParams, MediaDescription, SessionDescription};

impl SessionDescription {
    /// The description as SDP text with CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer {
            out: Vec::with_capacity(512 + 1024 * self.media.len()),
            scratch: String::new(),
        };
        out.session(self);
        out.out
    }
}

impl std::fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

struct Writer {
    out: Vec<u8>,
    /// Reused for values that go through `Display`.
    scratch: String,
}

impl Writer {
    /// Free text, without the characters that would end or break a line.
    fn text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        if memchr::memchr3(b'\r', b'\n', b'\0', bytes).is_none() {
            self.out.extend_from_slice(bytes);
        } else {
            let kept = bytes
                .iter()
                .filter(|&&b| !matches!(b, b'\r' | b'\n' | b'\0'));
            self.out.extend(kept);
        }
    }

    fn raw(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    fn number(&mut self, number: impl std::fmt::Display) {
        self.display(number);
    }

    fn display(&mut self, value: impl std::fmt::Display) {
        self.scratch.clear();
        // Writing into a String cannot fail.
        let _ = write!(self.scratch, "{value}");
        let scratch = std::mem::take(&mut self.scratch);
        self.text(&scratch);
        self.scratch = scratch;
    }

    fn end(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }

    fn attr(&mut self, name: &str, value: impl std::fmt::Display) {
        self.raw("a=");
        self.text(name);
        self.raw(":");
        self.display(value);
        self.end();
    }

    fn attr_text(&mut self, name: &str, value: &str) {
        self.raw("a=");
        self.text(name);
        self.raw(":");
        self.text(value);
        self.end();
    }

    fn flag(&mut self, name: &str) {
        self.raw("a=");
        self.text(name);
        self.end();
    }

    fn address(&mut self, key: &str, address: &Address) {
        self.raw(key);
        self.raw("IN ");
        self.text(address.address_type.as_str());
        self.raw(" ");
        self.text(&address.address);
        self.end();
    }

    fn bandwidths(&mut self, bandwidths: &[Bandwidth]) {
        for bandwidth in bandwidths {
            self.raw("b=");
            self.text(&bandwidth.kind);
            self.raw(":");
            self.number(bandwidth.value);
            self.end();
        }
    }

    fn ice(&mut self, ice: &IceParams) {
        if let Some(ufrag) = &ice.ufrag {
            self.attr_text("ice-ufrag", ufrag);
        }
        if let Some(pwd) = &ice.pwd {
            self.attr_text("ice-pwd", pwd);
        }
        if let Some((first, rest)) = ice.options.split_first() {
            self.raw("a=ice-options:");
            self.text(first);
            for option in rest {
                self.raw(" ");
                self.text(option);
            }
            self.end();
        }
    }

    fn session(&mut self, session: &SessionDescription) {
        self.raw("v=0\r\no=");
        let origin = &session.origin;
        self.text(if origin.username.is_empty() {
            "-"
        } else {
            &origin.username
        });
        self.raw(" ");
        self.text(&origin.session_id);
        self.raw(" ");
        self.number(origin.session_version);
        self.raw(" ");
        self.address("", &origin.address);
        self.raw("s=");
        self.text(&session.session_name);
        self.end();
        if let Some(information) = &session.information {
            self.raw("i=");
            self.text(information);
            self.end();
        }
        if let Some(connection) = &session.connection {
            self.address("c=", connection);
        }
        self.bandwidths(&session.bandwidths);
        if session.times.is_empty() {
            self.raw("t=0 0\r\n");
        }
        for &(start, stop) in &session.times {
            self.raw("t=");
            self.number(start);
            self.raw(" ");
            self.number(stop);
            self.end();
        }
        for group in &session.groups {
            self.raw("a=group:");
            self.text(&group.semantics);
            for mid in &group.mids {
                self.raw(" ");
                self.text(mid);
            }
            self.end();
        }
        if session.ice_lite {
            self.flag("ice-lite");
        }
        self.ice(&session.ice);
        for fingerprint in &session.fingerprints {
            self.attr("fingerprint", fingerprint);
        }
        if let Some(setup) = session.setup {
            self.attr_text("setup", setup.as_str());
        }
        for extmap in &session.extmaps {
            self.attr("extmap", extmap);
        }
        if let Some(direction) = session.direction {
            self.flag(direction.as_str());
        }
        self.others(&session.other);
        for media in &session.media {
            self.media(media);
        }
    }

    fn others(&mut self, others: &[crate::model::Attribute]) {
        for attribute in others {
            match &attribute.value {
                Some(value) => self.attr_text(&attribute.name, value),
                None => self.flag(&attribute.name),
            }
        }
    }

    fn media(&mut self, media: &MediaDescription) {
        self.media_line(media);
        if let Some(title) = &media.title {
            self.raw("i=");
            self.text(title);
            self.end();
        }
        if let Some(connection) = &media.connection {
            self.address("c=", connection);
        }
        self.bandwidths(&media.bandwidths);
        if let Some(rtcp) = &media.rtcp {
            self.attr("rtcp", rtcp);
        }
        self.ice(&media.ice);
        for candidate in &media.candidates {
            self.attr("candidate", candidate);
        }
        if media.end_of_candidates {
            self.flag("end-of-candidates");
        }
        for fingerprint in &media.fingerprints {
            self.attr("fingerprint", fingerprint);
        }
        if let Some(setup) = media.setup {
            self.attr_text("setup", setup.as_str());
        }
        if let Some(mid) = &media.mid {
            self.attr_text("mid", mid);
        }
        for extmap in &media.extmaps {
            self.attr("extmap", extmap);
        }
        if let Some(direction) = media.direction {
            self.flag(direction.as_str());
        }
        for msid in &media.msids {
            self.attr("msid", msid);
        }
        if media.rtcp_mux {
            self.flag("rtcp-mux");
        }
        if media.rtcp_rsize {
            self.flag("rtcp-rsize");
        }
        for crypto in &media.crypto {
            self.attr("crypto", crypto);
        }
        self.formats(media);
        if let Some(ptime) = media.ptime {
            self.attr("ptime", ptime);
        }
        if let Some(maxptime) = media.maxptime {
            self.attr("maxptime", maxptime);
        }
        for group in &media.ssrc_groups {
            self.attr("ssrc-group", group);
        }
        for ssrc in &media.ssrcs {
            self.attr("ssrc", ssrc);
        }
        self.others(&media.other);
    }

    fn media_line(&mut self, media: &MediaDescription) {
        self.raw("m=");
        self.text(media.kind.as_str());
        self.raw(" ");
        self.number(media.port);
        if let Some(count) = media.port_count {
            self.raw("/");
            self.number(count);
        }
        self.raw(" ");
        self.text(media.protocol.as_str());
        self.raw(" ");
        let mut first = true;
        for format in &media.formats {
            if !std::mem::take(&mut first) {
                self.raw(" ");
            }
            self.number(format.pt.0);
        }
        for token in &media.other_formats {
            if !std::mem::take(&mut first) {
                self.raw(" ");
            }
            self.text(token);
        }
        self.end();
    }

    fn formats(&mut self, media: &MediaDescription) {
        for format in &media.formats {
            let pt = format.pt;
            if let Some(rtpmap) = &format.rtpmap {
                self.attr("rtpmap", format_args!("{pt} {rtpmap}"));
            }
            for feedback in &format.rtcp_fb {
                self.attr("rtcp-fb", format_args!("{pt} {feedback}"));
            }
            if let Some(fmtp) = &format.fmtp {
                self.attr("fmtp", format_args!("{pt} {}", fmtp.0));
            }
        }
        for feedback in &media.rtcp_fb_all {
            self.raw("a=rtcp-fb:* ");
            self.text(feedback);
            self.end();
        }
    }
}
