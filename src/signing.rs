//! Signed download URLs: HMAC-SHA256 over the method, the attachment id, the file name, the
//! expiry and the disposition, tagged with the id of the key that signed. Pure functions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::Error;
use crate::ids::Id;

/// Clock skew tolerated between the signer and the verifier.
pub const SKEW_SECONDS: i64 = 60;

#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub secret: [u8; 32],
}

/// The keys a server knows; the last one signs new URLs.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<SigningKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Attachment,
    Inline,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Attachment => "attachment",
            Disposition::Inline => "inline",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "attachment" => Some(Disposition::Attachment),
            "inline" => Some(Disposition::Inline),
            _ => None,
        }
    }
}

/// What a signed URL asserts, and the signature over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub attachment_id: Id,
    pub filename: String,
    pub expires: i64,
    pub disposition: Disposition,
}

impl Keyring {
    /// `None` when there is no key at all.
    pub fn new(keys: Vec<SigningKey>) -> Option<Self> {
        (!keys.is_empty()).then_some(Keyring { keys })
    }

    pub fn current(&self) -> &SigningKey {
        self.keys.last().expect("a keyring is never empty")
    }

    fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Returns `(kid, signature)` for a grant, with the current key.
    pub fn sign(&self, grant: &Grant) -> (String, String) {
        let key = self.current();
        let tag = mac(key, grant).finalize().into_bytes();
        (key.kid.clone(), URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks a presented URL. Any alteration, including of the expiry, is `signature_invalid`;
    /// an intact URL past its expiry (plus skew) is `url_expired`. Constant-time comparison.
    pub fn verify(&self, grant: &Grant, kid: &str, signature: &str, now: i64) -> Result<(), Error> {
        let key = self.find(kid).ok_or(Error::SignatureInvalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Error::SignatureInvalid)?;
        mac(key, grant)
            .verify_slice(&tag)
            .map_err(|_| Error::SignatureInvalid)?;
        if now > grant.expires.saturating_add(SKEW_SECONDS) {
            return Err(Error::UrlExpired);
        }
        Ok(())
    }
}

fn mac(key: &SigningKey, grant: &Grant) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.secret).expect("any key length works");
    // Fields are separated by a byte that cannot occur in any of them (names are sanitized).
    for part in [
        "GET",
        &grant.attachment_id.to_string(),
        &grant.filename,
        &grant.expires.to_string(),
        grant.disposition.as_str(),
    ] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(kids: &[&str]) -> Keyring {
        let keys = kids
            .iter()
            .enumerate()
            .map(|(i, kid)| SigningKey {
                kid: kid.to_string(),
                secret: [i as u8 + 1; 32],
            })
            .collect();
        Keyring::new(keys).unwrap()
    }

    fn grant() -> Grant {
        Grant {
            attachment_id: Id::new(),
            filename: "report.pdf".into(),
            expires: 1_000,
            disposition: Disposition::Attachment,
        }
    }

    #[test]
    fn a_signature_verifies_until_expiry_plus_skew() {
        let ring = keyring(&["k1"]);
        let g = grant();
        let (kid, sig) = ring.sign(&g);
        assert!(ring.verify(&g, &kid, &sig, 1_000).is_ok());
        assert!(ring.verify(&g, &kid, &sig, 1_000 + SKEW_SECONDS).is_ok());
        assert!(matches!(
            ring.verify(&g, &kid, &sig, 1_001 + SKEW_SECONDS),
            Err(Error::UrlExpired)
        ));
    }

    #[test]
    fn an_expiry_at_the_end_of_time_does_not_overflow() {
        let ring = keyring(&["k1"]);
        let g = Grant {
            expires: i64::MAX,
            ..grant()
        };
        let (kid, sig) = ring.sign(&g);
        assert!(ring.verify(&g, &kid, &sig, i64::MAX).is_ok());
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let ring = keyring(&["k1"]);
        let g = grant();
        let (kid, sig) = ring.sign(&g);
        let altered = [
            Grant {
                expires: 9_999,
                ..g.clone()
            },
            Grant {
                filename: "report.html".into(),
                ..g.clone()
            },
            Grant {
                disposition: Disposition::Inline,
                ..g.clone()
            },
            Grant {
                attachment_id: Id::new(),
                ..g.clone()
            },
        ];
        for bad in altered {
            assert!(matches!(
                ring.verify(&bad, &kid, &sig, 0),
                Err(Error::SignatureInvalid)
            ));
        }
        assert!(matches!(
            ring.verify(&g, "nope", &sig, 0),
            Err(Error::SignatureInvalid)
        ));
        assert!(matches!(
            ring.verify(&g, &kid, "!!", 0),
            Err(Error::SignatureInvalid)
        ));
        let mut flipped = sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(matches!(
            ring.verify(&g, &kid, &flipped, 0),
            Err(Error::SignatureInvalid)
        ));
    }

    #[test]
    fn older_keys_still_verify_after_rotation() {
        let old = keyring(&["k1"]);
        let g = grant();
        let (kid, sig) = old.sign(&g);
        let rotated = keyring(&["k1", "k2"]);
        assert_eq!(rotated.current().kid, "k2");
        assert!(rotated.verify(&g, &kid, &sig, 0).is_ok());
    }
}

#[cfg(test)]
mod properties;
