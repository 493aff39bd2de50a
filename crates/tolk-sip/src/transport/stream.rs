//! Stream connections (TCP and TLS, RFC 3261 section 18.3): each runs
//! in its own task, frames what it reads with the message layer's
//! [`StreamFramer`], answers CRLF keep-alive pings (RFC 5626 section
//! 4.4.1) and writes what the driver queues for it.

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::{Target, Transport};
use crate::message::{Frame, Limits, Message, StreamFramer};

/// TLS configurations shared by every connection of a driver.
#[derive(Clone, Default)]
pub(crate) struct TlsSetup {
    pub(crate) server: Option<Arc<rustls::ServerConfig>>,
    pub(crate) client: Option<Arc<rustls::ClientConfig>>,
}

/// What a connection task tells the driver.
pub(crate) enum StreamEvent {
    /// An accepted connection is ready for writes.
    Opened {
        target: Target,
        writer: mpsc::UnboundedSender<Bytes>,
    },
    /// A whole message arrived.
    Message { source: Target, message: Message },
    /// The connection ended; `failed` when it never carried our bytes.
    Closed { target: Target, failed: bool },
}

/// Accepts connections on `listener` for as long as the driver lives.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    transport: Transport,
    tls: TlsSetup,
    events: mpsc::UnboundedSender<StreamEvent>,
) {
    while !events.is_closed() {
        let Ok((socket, addr)) = listener.accept().await else {
            continue;
        };
        let target = Target { transport, addr };
        let (writer, queue) = mpsc::unbounded_channel();
        if events.send(StreamEvent::Opened { target, writer }).is_err() {
            return;
        }
        let events = events.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            match (transport, tls.server) {
                (Transport::Tls, Some(config)) => {
                    match tokio_rustls::TlsAcceptor::from(config).accept(socket).await {
                        Ok(stream) => serve(stream, target, queue, &events).await,
                        Err(_) => closed(&events, target, false),
                    }
                }
                _ => serve(socket, target, queue, &events).await,
            }
        });
    }
}

/// Opens a connection to `target`, then serves it.
pub(crate) async fn connect(
    target: Target,
    tls: TlsSetup,
    queue: mpsc::UnboundedReceiver<Bytes>,
    events: mpsc::UnboundedSender<StreamEvent>,
) {
    let Ok(socket) = TcpStream::connect(target.addr).await else {
        return closed(&events, target, true);
    };
    let _ = socket.set_nodelay(true);
    match target.transport {
        Transport::Tls => {
            let Some(config) = tls.client else {
                return closed(&events, target, true);
            };
            let name = rustls::pki_types::ServerName::IpAddress(target.addr.ip().into());
            match tokio_rustls::TlsConnector::from(config)
                .connect(name, socket)
                .await
            {
                Ok(stream) => serve(stream, target, queue, &events).await,
                Err(_) => closed(&events, target, true),
            }
        }
        _ => serve(socket, target, queue, &events).await,
    }
}

fn closed(events: &mpsc::UnboundedSender<StreamEvent>, target: Target, failed: bool) {
    let _ = events.send(StreamEvent::Closed { target, failed });
}

/// Reads, frames and writes until either side closes.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    target: Target,
    mut queue: mpsc::UnboundedReceiver<Bytes>,
    events: &mpsc::UnboundedSender<StreamEvent>,
) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut framer = StreamFramer::new(Limits::default());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = reader.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                framer.push(buf.get(..n).unwrap_or_default());
                loop {
                    match framer.next_frame() {
                        Ok(Some(Frame::Message(message))) => {
                            let _ = events.send(StreamEvent::Message { source: target, message });
                        }
                        Ok(Some(Frame::Ping)) => {
                            if writer.write_all(b"\r\n").await.is_err() {
                                return closed(events, target, false);
                            }
                        }
                        Ok(Some(Frame::Pong)) => {}
                        Ok(None) => break,
                        // Framing is lost: the connection cannot go on.
                        Err(_) => return closed(events, target, false),
                    }
                }
            }
            bytes = queue.recv() => {
                let Some(bytes) = bytes else { break };
                if writer.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = writer.shutdown().await;
    closed(events, target, false);
}
