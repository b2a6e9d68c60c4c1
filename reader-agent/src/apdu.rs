//! Sending APDUs to a card: the `61xx` GET RESPONSE loop, the `6Cxx`
//! re-send, and status words as typed errors. The codec itself
//! ([`Command`], [`Response`], [`StatusWord`]) is `padan_ktpel::iso7816`,
//! shared with the virtual card.

use std::fmt;

pub use padan_ktpel::iso7816::{Command, CommandError, Response, StatusWord};
use zeroize::Zeroizing;

use crate::transport::{CardTransport, TransportError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApduError {
    Transport(TransportError),
    /// The card answered with a non-success status word.
    Status(StatusWord),
    /// The R-APDU was shorter than a status word, or GET RESPONSE looped.
    Malformed,
    /// The command cannot be encoded (data or `Le` out of range).
    Encode(CommandError),
}

impl fmt::Display for ApduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApduError::Transport(t) => t.fmt(f),
            ApduError::Status(s) => write!(f, "card status {s}"),
            ApduError::Malformed => f.write_str("malformed response"),
            ApduError::Encode(e) => write!(f, "command not encodable: {e}"),
        }
    }
}

impl std::error::Error for ApduError {}

impl From<TransportError> for ApduError {
    fn from(e: TransportError) -> Self {
        ApduError::Transport(e)
    }
}

/// The data of a response whose status is `9000` or `6282`, else the status as an error.
pub fn ok(resp: Response) -> Result<Zeroizing<Vec<u8>>, ApduError> {
    resp.ok().map_err(ApduError::Status)
}

/// Largest number of GET RESPONSE rounds before giving up (a card that keeps saying `61xx`).
const MAX_GET_RESPONSE: usize = 64;

/// One exchange: encodes `cmd`, parses the answer; the raw answer is zeroed.
fn exchange(t: &mut dyn CardTransport, cmd: &Command) -> Result<Response, ApduError> {
    let raw = Zeroizing::new(t.transmit(&cmd.to_bytes().map_err(ApduError::Encode)?)?);
    Response::parse(&raw).map_err(|_| ApduError::Malformed)
}

/// Sends `cmd`, follows `61xx` with GET RESPONSE and answers `6Cxx` by
/// re-sending with the indicated Le. Returns the assembled response.
pub fn transmit(t: &mut dyn CardTransport, cmd: &Command) -> Result<Response, ApduError> {
    let mut resp = exchange(t, cmd)?;
    if let Some(le) = resp.sw.correct_le() {
        let mut again = cmd.clone();
        again.le = Some(le);
        resp = exchange(t, &again)?;
    }
    let mut data = std::mem::take(&mut resp.data);
    let mut rounds = 0;
    while let Some(le) = resp.sw.bytes_available() {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE {
            return Err(ApduError::Malformed);
        }
        resp = exchange(t, &Command::new(cmd.cla & 0x03, padan_ktpel::ins::GET_RESPONSE, 0, 0).le(le))?;
        data.extend_from_slice(&resp.data);
    }
    Ok(Response { data, sw: resp.sw })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_short_and_extended() {
        let bytes = |c: Command| c.to_bytes().unwrap();
        assert_eq!(bytes(Command::new(0, 0xA4, 0, 0).data(vec![0x7F, 0x0A])), [0, 0xA4, 0, 0, 2, 0x7F, 0x0A]);
        assert_eq!(bytes(Command::new(0, 0x84, 0, 0).le(8)), [0, 0x84, 0, 0, 8]);
        assert_eq!(bytes(Command::new(0, 0xB0, 0, 0).le(256)), [0, 0xB0, 0, 0, 0]);
        assert_eq!(bytes(Command::new(0, 0xB0, 0, 0).le(1024)), [0, 0xB0, 0, 0, 0, 0x04, 0x00]);
        let ext = bytes(Command::new(0x80, 0x42, 0, 0).data(vec![1; 300]).le(65_536));
        assert_eq!(&ext[..7], &[0x80, 0x42, 0, 0, 0, 0x01, 0x2C]);
        assert_eq!(&ext[ext.len() - 2..], &[0, 0]);
        assert_eq!(ext.len(), 7 + 300 + 2);
    }

    struct Script(Vec<(Vec<u8>, Vec<u8>)>);
    impl CardTransport for Script {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            let (expect, answer) = self.0.remove(0);
            assert_eq!(apdu, &expect[..]);
            Ok(answer)
        }
        fn reset(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn atr(&self) -> Vec<u8> {
            Vec::new()
        }
    }

    #[test]
    fn follows_get_response_and_wrong_le() {
        let mut t = Script(vec![
            (vec![0, 0xB0, 0, 0, 0x10], vec![0x6C, 0x04]),
            (vec![0, 0xB0, 0, 0, 0x04], vec![1, 2, 0x61, 0x02]),
            (vec![0, 0xC0, 0, 0, 0x02], vec![3, 4, 0x90, 0x00]),
        ]);
        let r = transmit(&mut t, &Command::new(0, 0xB0, 0, 0).le(0x10)).unwrap();
        assert_eq!(r, Response::new([1, 2, 3, 4], StatusWord::OK));
    }

    #[test]
    fn status_words_are_typed() {
        assert_eq!(StatusWord(0x63C3).wrong_key_tries(), Some(3));
        assert_eq!(ok(Response::from(StatusWord(0x6902))), Err(ApduError::Status(StatusWord::SAM_EXPIRED)));
        let mut t = Script(vec![(vec![0, 0xB0, 0, 0, 1], vec![0x90])]);
        assert_eq!(transmit(&mut t, &Command::new(0, 0xB0, 0, 0).le(1)), Err(ApduError::Malformed));
    }
}
