//! ISO/IEC 7816-4 APDUs: command encoding (short and extended length),
//! the `61xx` GET RESPONSE loop and `6Cxx` re-send, and status words as
//! typed errors.

use std::fmt;

use crate::transport::{CardTransport, TransportError};

/// A command APDU. `le: None` means "no response data expected"; `Some(n)`
/// asks for up to `n` bytes (256 short / 65 536 extended encode as zero).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

/// Command data may be key material: never printed.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Command {
        Command { cla, ins, p1, p2, data: Vec::new(), le: None }
    }

    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Command {
        self.data = data.into();
        self
    }

    pub fn le(mut self, le: usize) -> Command {
        self.le = Some(le);
        self
    }

    /// True when the command needs extended-length encoding.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    /// Serialises as short APDU when possible, else extended (ISO 7816-4 §5.1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if self.is_extended() {
            out.push(0x00);
            if !self.data.is_empty() {
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                let le = if le >= 65_536 { 0 } else { le as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(if le >= 256 { 0 } else { le as u8 });
            }
        }
        out
    }
}

/// A response APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, SW {:04X})", self.data.len(), self.sw)
    }
}

impl Response {
    pub fn parse(raw: &[u8]) -> Result<Response, ApduError> {
        if raw.len() < 2 {
            return Err(ApduError::Malformed);
        }
        let (data, sw) = raw.split_at(raw.len() - 2);
        Ok(Response { data: data.to_vec(), sw: u16::from_be_bytes([sw[0], sw[1]]) })
    }

    pub fn status(&self) -> Status {
        Status::from(self.sw)
    }

    /// The data when the status is `9000` (or `6282`, end of file reached), else the typed error.
    pub fn ok(self) -> Result<Vec<u8>, ApduError> {
        match self.status() {
            Status::Ok | Status::EndOfFile => Ok(self.data),
            s => Err(ApduError::Status(s)),
        }
    }
}

/// Status words the profile uses, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// `6282`
    EndOfFile,
    /// `6300`
    AuthFailed,
    /// `63Cx`
    WrongKey {
        tries_left: u8,
    },
    /// `6700`
    WrongLength,
    /// `6982`
    SecurityNotSatisfied,
    /// `6983`
    AuthBlocked,
    /// `6985`
    ConditionsNotSatisfied,
    /// `6986`
    NoEfSelected,
    /// `6987` / `6988`
    SecureMessaging,
    /// `6901`
    SamNotActivated,
    /// `6902`
    SamExpired,
    /// `6903`
    SamDeactivated,
    /// `6904`
    IssuerSignatureInvalid,
    /// `6A80`
    WrongData,
    /// `6A82`
    FileNotFound,
    /// `6B00`
    WrongP1P2,
    /// `6D00`
    InsNotSupported,
    /// `6E00`
    ClaNotSupported,
    Other(u16),
}

impl From<u16> for Status {
    fn from(sw: u16) -> Status {
        match sw {
            0x9000 => Status::Ok,
            0x6282 => Status::EndOfFile,
            0x6300 => Status::AuthFailed,
            0x63C0..=0x63CF => Status::WrongKey { tries_left: (sw & 0x0F) as u8 },
            0x6700 => Status::WrongLength,
            0x6982 => Status::SecurityNotSatisfied,
            0x6983 => Status::AuthBlocked,
            0x6985 => Status::ConditionsNotSatisfied,
            0x6986 => Status::NoEfSelected,
            0x6987 | 0x6988 => Status::SecureMessaging,
            0x6901 => Status::SamNotActivated,
            0x6902 => Status::SamExpired,
            0x6903 => Status::SamDeactivated,
            0x6904 => Status::IssuerSignatureInvalid,
            0x6A80 => Status::WrongData,
            0x6A82 => Status::FileNotFound,
            0x6B00 => Status::WrongP1P2,
            0x6D00 => Status::InsNotSupported,
            0x6E00 => Status::ClaNotSupported,
            other => Status::Other(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApduError {
    Transport(TransportError),
    /// The card answered with a non-success status word.
    Status(Status),
    /// The R-APDU was shorter than a status word, or GET RESPONSE looped.
    Malformed,
}

impl fmt::Display for ApduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApduError::Transport(t) => t.fmt(f),
            ApduError::Status(s) => write!(f, "card status {s:?}"),
            ApduError::Malformed => f.write_str("malformed response"),
        }
    }
}

impl std::error::Error for ApduError {}

impl From<TransportError> for ApduError {
    fn from(e: TransportError) -> Self {
        ApduError::Transport(e)
    }
}

/// Largest number of GET RESPONSE rounds before giving up (a card that keeps saying `61xx`).
const MAX_GET_RESPONSE: usize = 64;

/// Sends `cmd`, follows `61xx` with GET RESPONSE and answers `6Cxx` by
/// re-sending with the indicated Le. Returns the assembled response.
pub fn transmit(t: &mut dyn CardTransport, cmd: &Command) -> Result<Response, ApduError> {
    let mut resp = Response::parse(&t.transmit(&cmd.to_bytes())?)?;
    if resp.sw >> 8 == 0x6C {
        let mut again = cmd.clone();
        again.le = Some(match resp.sw & 0xFF {
            0 => 256,
            n => usize::from(n),
        });
        resp = Response::parse(&t.transmit(&again.to_bytes())?)?;
    }
    let mut data = std::mem::take(&mut resp.data);
    let mut rounds = 0;
    while resp.sw >> 8 == 0x61 {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE {
            return Err(ApduError::Malformed);
        }
        let le = match resp.sw & 0xFF {
            0 => 256,
            n => usize::from(n),
        };
        resp = Response::parse(&t.transmit(&Command::new(cmd.cla & 0x03, 0xC0, 0, 0).le(le).to_bytes())?)?;
        data.append(&mut resp.data);
    }
    Ok(Response { data, sw: resp.sw })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_short_and_extended() {
        assert_eq!(Command::new(0, 0xA4, 0, 0).data(vec![0x7F, 0x0A]).to_bytes(), [0, 0xA4, 0, 0, 2, 0x7F, 0x0A]);
        assert_eq!(Command::new(0, 0x84, 0, 0).le(8).to_bytes(), [0, 0x84, 0, 0, 8]);
        assert_eq!(Command::new(0, 0xB0, 0, 0).le(256).to_bytes(), [0, 0xB0, 0, 0, 0]);
        assert_eq!(Command::new(0, 0xB0, 0, 0).le(1024).to_bytes(), [0, 0xB0, 0, 0, 0, 0x04, 0x00]);
        let ext = Command::new(0x80, 0x42, 0, 0).data(vec![1; 300]).le(65_536).to_bytes();
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
        assert_eq!(r, Response { data: vec![1, 2, 3, 4], sw: 0x9000 });
    }

    #[test]
    fn status_words_are_typed() {
        assert_eq!(Status::from(0x63C3), Status::WrongKey { tries_left: 3 });
        assert_eq!(Response { data: vec![], sw: 0x6902 }.ok(), Err(ApduError::Status(Status::SamExpired)));
        assert_eq!(Response::parse(&[0x90]), Err(ApduError::Malformed));
    }
}
