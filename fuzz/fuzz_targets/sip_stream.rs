//! The stream framer fed the same bytes in arbitrary chunks must find the
//! same messages (and fail or not) as when fed them at once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_sip::{Frame, Limits, Message, StreamFramer};

fn drain(framer: &mut StreamFramer, out: &mut Vec<Message>) -> bool {
    loop {
        match framer.next_frame() {
            Ok(Some(Frame::Message(m))) => out.push(m),
            Ok(Some(Frame::Ping | Frame::Pong)) => {}
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, stream)) = data.split_first() else { return };
    let limits = Limits { max_message_bytes: 4096, max_headers: 64 };

    let mut whole = StreamFramer::new(limits);
    whole.push(stream);
    let mut whole_messages = Vec::new();
    let whole_failed = drain(&mut whole, &mut whole_messages);

    let mut chunked = StreamFramer::new(limits);
    let mut chunked_messages = Vec::new();
    let mut chunked_failed = false;
    let mut rest = stream;
    let mut size = usize::from(seed % 16) + 1;
    while !rest.is_empty() && !chunked_failed {
        let n = size.min(rest.len());
        chunked.push(&rest[..n]);
        rest = &rest[n..];
        chunked_failed = drain(&mut chunked, &mut chunked_messages);
        size = (size * 7 + 3) % 31 + 1;
    }
    assert_eq!(whole_messages, chunked_messages);
    assert_eq!(whole_failed, chunked_failed);
    let _ = whole.end_of_stream();
});
