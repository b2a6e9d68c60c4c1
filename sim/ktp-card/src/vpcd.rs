//! A vsmartcard **vpcd** client: plugs an [`Icc`] into pcscd.
//!
//! vpcd (the `libifdvpcd` reader driver loaded by pcscd) listens on TCP
//! (35963 for "Virtual PCD 00 00", 35964 for "… 00 01"); a virtual card
//! connects to it. Every message in both directions is a 2-byte big-endian
//! length followed by the payload. From vpcd, a 1-byte payload is a control
//! code — `00` power off, `01` power on, `02` reset, `04` get ATR (answered
//! with the ATR) — and anything longer is a C-APDU, answered with the R-APDU.
//! Closing the connection is how a virtual card leaves the reader.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::card::Icc;

pub const VPCD_CTRL_OFF: u8 = 0x00;
pub const VPCD_CTRL_ON: u8 = 0x01;
pub const VPCD_CTRL_RESET: u8 = 0x02;
pub const VPCD_CTRL_ATR: u8 = 0x04;

/// Why a session with vpcd ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The card left the field (fault injection); the socket was closed.
    CardRemoved,
    /// vpcd closed the connection (pcscd stopped).
    VpcdClosed,
}

/// Acknowledge at once: vpcd sends the 2-byte length and the payload in two
/// writes, so with Nagle on its side a delayed ACK here would stall each
/// message by ~40 ms. Linux resets the flag after use, hence before every read.
fn quick_ack(s: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(s).set_tcp_quickack(true);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = s;
}

fn read_msg(s: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    quick_ack(s);
    let mut len = [0u8; 2];
    match s.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    quick_ack(s);
    s.read_exact(&mut buf)?;
    Ok(Some(buf))
}

fn write_msg(s: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| io::Error::other("message too long for vpcd"))?;
    let mut out = Vec::with_capacity(payload.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    s.write_all(&out)
}

/// Connects to vpcd at `addr`, retrying for up to `connect_timeout`.
pub fn connect(addr: &str, connect_timeout: Duration) -> io::Result<TcpStream> {
    let start = std::time::Instant::now();
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if start.elapsed() >= connect_timeout => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Serves `icc` on an established vpcd connection until it ends.
pub fn serve(stream: &mut TcpStream, icc: &mut dyn Icc) -> io::Result<SessionEnd> {
    loop {
        let Some(msg) = read_msg(stream)? else { return Ok(SessionEnd::VpcdClosed) };
        match msg.as_slice() {
            [VPCD_CTRL_OFF] | [VPCD_CTRL_ON] | [VPCD_CTRL_RESET] => icc.reset(),
            [VPCD_CTRL_ATR] => write_msg(stream, &icc.atr())?,
            [_] => {} // unknown control code: vpcd expects no answer
            apdu => match icc.process(apdu) {
                Ok(r) => write_msg(stream, &r)?,
                Err(_) => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return Ok(SessionEnd::CardRemoved);
                }
            },
        }
    }
}
