//! The seam between card operations and how bytes reach a card: PC/SC in
//! production ([`crate::pcsc_backend`]), an in-process virtual card in tests.

use std::fmt;

/// Why an exchange with a card did not produce an R-APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The card left the reader (or was reset by another application).
    CardRemoved,
    /// No card is present in the reader.
    NoCard,
    /// The reader disappeared.
    ReaderGone,
    /// The PC/SC service is not running.
    ServiceDown,
    /// Anything else; the text carries no APDU data.
    Other(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::CardRemoved => f.write_str("card removed"),
            TransportError::NoCard => f.write_str("no card present"),
            TransportError::ReaderGone => f.write_str("reader unavailable"),
            TransportError::ServiceDown => f.write_str("PC/SC service not running"),
            TransportError::Other(s) => write!(f, "transport error: {s}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Upcast to a trait object, so that [`CardTransport::transaction`]'s
/// default can hand `self` to its body (implemented for every transport).
pub trait AsTransport {
    fn as_transport(&mut self) -> &mut dyn CardTransport;
}

impl<T: CardTransport> AsTransport for T {
    fn as_transport(&mut self) -> &mut dyn CardTransport {
        self
    }
}

/// A connection to one card (the citizen's card or the SAM).
pub trait CardTransport: Send + AsTransport {
    /// Sends one C-APDU and returns the raw R-APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
    /// Resets the card (warm reset); volatile card state is lost.
    fn reset(&mut self) -> Result<(), TransportError>;
    /// The card's ATR.
    fn atr(&self) -> Vec<u8>;
    /// Largest R-APDU data the path supports (255/256 for short-only readers).
    fn max_response(&self) -> usize {
        256
    }
    /// Runs `body` with the card held exclusively: no other application's
    /// APDUs come between the body's (a PC/SC transaction). Fails, without
    /// running `body`, when the card cannot be taken (e.g. it was removed).
    /// The default runs `body` on `self`: an in-process card has one user.
    /// Use [`with_transaction`] to get the body's result back.
    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn CardTransport)) -> Result<(), TransportError> {
        body(self.as_transport());
        Ok(())
    }
}

/// Runs `f` inside one [`CardTransport::transaction`] on `t`; the outer
/// error is the transaction's, the inner value is `f`'s.
pub fn with_transaction<R>(
    t: &mut dyn CardTransport,
    f: impl FnOnce(&mut dyn CardTransport) -> R,
) -> Result<R, TransportError> {
    let mut f = Some(f);
    let mut out = None;
    t.transaction(&mut |inner| {
        if let Some(f) = f.take() {
            out = Some(f(inner));
        }
    })?;
    out.ok_or_else(|| TransportError::Other("transaction body did not run".into()))
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        (**self).reset()
    }
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn max_response(&self) -> usize {
        (**self).max_response()
    }
    fn transaction(&mut self, body: &mut dyn FnMut(&mut dyn CardTransport)) -> Result<(), TransportError> {
        (**self).transaction(body)
    }
}
