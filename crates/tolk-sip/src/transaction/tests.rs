//! Every timer of every state machine, driven with simulated time.

use std::time::{Duration, Instant};

use super::*;

#[allow(clippy::disallowed_methods)] // tests need some Instant to start from
fn t0() -> Instant {
    Instant::now()
}

const CFG: TimerConfig = TimerConfig {
    t1: Duration::from_millis(500),
    t2: Duration::from_secs(4),
    t4: Duration::from_secs(5),
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Retransmissions from T1 doubling up to T2, then every T2, until 64*T1
/// (Timers E and G), in ms.
const DOUBLING_TO_T2: [u64; 10] = [
    500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
];

/// When the retransmissions among `fired` happened (ms from the start).
fn retransmit_times(fired: &[(u64, Effect)]) -> Vec<u64> {
    fired
        .iter()
        .filter(|(_, e)| *e == Effect::Retransmit)
        .map(|(t, _)| *t)
        .collect()
}

/// Runs a machine's timers until `until`, returning (offset ms, effect).
macro_rules! run_until {
    ($m:expr, $start:expr, $until:expr) => {{
        let mut fired = vec![];
        while let Some(at) = $m.next_timeout().filter(|at| *at <= $until) {
            while let Some(e) = $m.on_timeout(at) {
                fired.push(((at - $start).as_millis() as u64, e));
            }
        }
        fired
    }};
}

#[test]
fn invite_client_timer_a_doubles_and_timer_b_times_out() {
    let start = t0();
    let mut c = InviteClient::new(start, false, CFG);
    let fired = run_until!(c, start, start + ms(40_000));
    let retransmits = retransmit_times(&fired);
    assert_eq!(retransmits, [500, 1500, 3500, 7500, 15_500, 31_500]);
    assert_eq!(fired.last(), Some(&(32_000, Effect::TimedOut)));
    assert_eq!(c.state(), InviteClientState::TimedOut);
}

#[test]
fn invite_client_after_timer_b_passes_a_late_2xx_until_timer_m() {
    let start = t0();
    let mut c = InviteClient::new(start, false, CFG);
    let fired = run_until!(c, start, start + ms(40_000));
    assert_eq!(fired.last(), Some(&(32_000, Effect::TimedOut)));
    assert_eq!(
        c.on_response(start + ms(40_000), 180),
        ResponseAction::Absorb
    );
    assert_eq!(
        c.on_response(start + ms(40_000), 486),
        ResponseAction::Absorb
    );
    assert_eq!(
        c.on_response(start + ms(40_000), 200),
        ResponseAction::Deliver
    );
    let fired = run_until!(c, start, start + ms(100_000));
    assert_eq!(fired, [(64_000, Effect::Closed)]);
    assert_eq!(c.state(), InviteClientState::Terminated);
}

#[test]
fn invite_client_times_out_64_t1_after_an_unanswered_cancel() {
    let start = t0();
    let mut c = InviteClient::new(start, false, CFG);
    assert_eq!(c.on_response(start + ms(100), 180), ResponseAction::Deliver);
    c.cancel_sent(start + ms(1_000));
    // Further 1xx keep the CANCEL's Timer B running.
    assert_eq!(
        c.on_response(start + ms(2_000), 183),
        ResponseAction::Deliver
    );
    let fired = run_until!(c, start, start + ms(40_000));
    assert_eq!(fired, [(33_000, Effect::TimedOut)]);
}

#[test]
fn invite_client_reliable_has_no_timer_a() {
    let start = t0();
    let mut c = InviteClient::new(start, true, CFG);
    let fired = run_until!(c, start, start + ms(40_000));
    assert_eq!(fired, [(32_000, Effect::TimedOut)]);
}

#[test]
fn invite_client_non_2xx_acks_and_timer_d_waits() {
    let start = t0();
    let mut c = InviteClient::new(start, false, CFG);
    assert_eq!(c.on_response(start + ms(100), 180), ResponseAction::Deliver);
    assert_eq!(c.state(), InviteClientState::Proceeding);
    // Proceeding: no retransmits and no Timer B.
    assert!(c.next_timeout().is_none());
    assert_eq!(
        c.on_response(start + ms(200), 486),
        ResponseAction::DeliverAndAck
    );
    assert_eq!(
        c.on_response(start + ms(300), 486),
        ResponseAction::ResendAck
    );
    assert_eq!(c.on_response(start + ms(300), 180), ResponseAction::Absorb);
    let fired = run_until!(c, start, start + ms(60_000));
    assert_eq!(fired, [(32_200, Effect::Terminated)]);
}

#[test]
fn invite_client_reliable_timer_d_is_zero() {
    let start = t0();
    let mut c = InviteClient::new(start, true, CFG);
    assert_eq!(c.on_response(start, 603), ResponseAction::DeliverAndAck);
    assert_eq!(c.next_timeout(), Some(start));
    assert_eq!(c.on_timeout(start), Some(Effect::Terminated));
}

#[test]
fn invite_client_accepted_passes_every_2xx_until_timer_m() {
    let start = t0();
    let mut c = InviteClient::new(start, false, CFG);
    assert_eq!(c.on_response(start + ms(10), 200), ResponseAction::Deliver);
    assert_eq!(c.state(), InviteClientState::Accepted);
    assert_eq!(c.on_response(start + ms(600), 200), ResponseAction::Deliver);
    assert_eq!(c.on_response(start + ms(700), 486), ResponseAction::Absorb);
    let fired = run_until!(c, start, start + ms(60_000));
    assert_eq!(fired, [(32_010, Effect::Closed)]);
}

#[test]
fn non_invite_client_timer_e_caps_at_t2_and_timer_f_times_out() {
    let start = t0();
    let mut c = NonInviteClient::new(start, false, CFG);
    let fired = run_until!(c, start, start + ms(40_000));
    let retransmits = retransmit_times(&fired);
    assert_eq!(retransmits, DOUBLING_TO_T2);
    assert_eq!(fired.last(), Some(&(32_000, Effect::TimedOut)));
}

#[test]
fn non_invite_client_proceeding_retransmits_every_t2_then_timer_k() {
    let start = t0();
    let mut c = NonInviteClient::new(start, false, CFG);
    assert_eq!(c.on_response(start + ms(100), 100), ResponseAction::Deliver);
    let fired = run_until!(c, start, start + ms(9_000));
    let times: Vec<u64> = fired.iter().map(|(t, _)| *t).collect();
    // E fired at 500 (next interval would be 1000 in Trying) then T2 apart.
    assert_eq!(times, [500, 4500, 8500]);
    assert_eq!(
        c.on_response(start + ms(9_000), 200),
        ResponseAction::Deliver
    );
    assert_eq!(
        c.on_response(start + ms(9_100), 200),
        ResponseAction::Absorb
    );
    let fired = run_until!(c, start, start + ms(60_000));
    assert_eq!(fired, [(14_000, Effect::Terminated)]);
    assert_eq!(c.state(), NonInviteClientState::Terminated);
}

#[test]
fn invite_server_timer_g_and_h_without_ack() {
    let start = t0();
    let mut s = InviteServer::new(false, CFG);
    assert_eq!(s.on_request_retransmission(), RequestAction::ResendResponse);
    s.on_send(start, 180).unwrap();
    s.on_send(start, 486).unwrap();
    assert!(
        s.on_send(start, 200).is_err(),
        "no response after a final one"
    );
    let fired = run_until!(s, start, start + ms(40_000));
    let times = retransmit_times(&fired);
    assert_eq!(times, DOUBLING_TO_T2);
    assert_eq!(fired.last(), Some(&(32_000, Effect::TimedOut)));
}

#[test]
fn invite_server_ack_confirms_and_timer_i_ends_it() {
    let start = t0();
    let mut s = InviteServer::new(false, CFG);
    s.on_send(start, 404).unwrap();
    assert_eq!(s.on_request_retransmission(), RequestAction::ResendResponse);
    assert_eq!(s.on_ack(start + ms(100)), RequestAction::Absorb);
    assert_eq!(s.state(), InviteServerState::Confirmed);
    assert_eq!(s.on_ack(start + ms(200)), RequestAction::Absorb);
    assert_eq!(s.on_request_retransmission(), RequestAction::Absorb);
    let fired = run_until!(s, start, start + ms(60_000));
    assert_eq!(fired, [(5_100, Effect::Terminated)]);
}

#[test]
fn invite_server_reliable_has_no_timer_g_and_zero_timer_i() {
    let start = t0();
    let mut s = InviteServer::new(true, CFG);
    s.on_send(start, 500).unwrap();
    assert_eq!(s.next_timeout(), Some(start + ms(32_000)), "only Timer H");
    s.on_ack(start + ms(5));
    assert_eq!(s.on_timeout(start + ms(5)), Some(Effect::Terminated));
}

#[test]
fn invite_server_accepted_absorbs_retransmissions_until_timer_l() {
    let start = t0();
    let mut s = InviteServer::new(false, CFG);
    s.on_send(start, 200).unwrap();
    assert_eq!(s.state(), InviteServerState::Accepted);
    assert_eq!(s.on_request_retransmission(), RequestAction::Absorb);
    s.on_send(start + ms(500), 200)
        .expect("TU retransmits its 2xx");
    assert!(s.on_send(start, 180).is_err());
    assert_eq!(s.on_ack(start + ms(600)), RequestAction::Deliver);
    let fired = run_until!(s, start, start + ms(60_000));
    assert_eq!(fired, [(32_000, Effect::Terminated)]);
}

#[test]
fn non_invite_server_timer_j() {
    let start = t0();
    let mut s = NonInviteServer::new(false, CFG);
    assert_eq!(
        s.on_request_retransmission(),
        RequestAction::Absorb,
        "Trying"
    );
    s.on_send(start, 100).unwrap();
    assert_eq!(s.on_request_retransmission(), RequestAction::ResendResponse);
    s.on_send(start + ms(50), 200).unwrap();
    assert!(s.on_send(start, 200).is_err());
    assert_eq!(s.on_request_retransmission(), RequestAction::ResendResponse);
    let fired = run_until!(s, start, start + ms(60_000));
    assert_eq!(fired, [(32_050, Effect::Terminated)]);
    assert_eq!(s.state(), NonInviteServerState::Terminated);

    let mut reliable = NonInviteServer::new(true, CFG);
    reliable.on_send(start, 200).unwrap();
    assert_eq!(reliable.on_timeout(start), Some(Effect::Terminated));
}
