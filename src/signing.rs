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
        if now > grant.expires + SKEW_SECONDS {
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
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Keys as `attache secret rotate` makes them: 8 hex digits of kid, 32 random bytes.
    /// (`SigningKey` does not print, so the strategies make their parts.)
    type Keys = Vec<(String, [u8; 32])>;

    fn keys(max: usize) -> impl Strategy<Value = Keys> {
        prop::collection::vec(("[0-9a-f]{8}", any::<[u8; 32]>()), 1..=max)
    }

    fn keyring(keys: &Keys) -> Keyring {
        let keys = keys
            .iter()
            .map(|(kid, secret)| SigningKey {
                kid: kid.clone(),
                secret: *secret,
            })
            .collect();
        Keyring::new(keys).unwrap()
    }

    /// Names with the characters that could blur the boundary between fields.
    fn filename() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                any::<char>(),
                prop::sample::select(&['\n', '0', '9', '-', '.'][..])
            ],
            0..24,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn disposition() -> impl Strategy<Value = Disposition> {
        prop_oneof![Just(Disposition::Attachment), Just(Disposition::Inline)]
    }

    /// Grants a server signs: an expiry at most a few years away from the epoch's now.
    fn grant() -> impl Strategy<Value = Grant> {
        (any::<[u8; 16]>(), filename(), 0..1i64 << 40, disposition()).prop_map(
            |(id, filename, expires, disposition)| Grant {
                attachment_id: Id::from_bytes(id),
                filename,
                expires,
                disposition,
            },
        )
    }

    /// A grant that differs from `grant` in one field.
    fn altered(grant: Grant) -> impl Strategy<Value = Grant> {
        let g = grant.clone();
        prop_oneof![
            any::<[u8; 16]>().prop_map({
                let g = g.clone();
                move |id| Grant {
                    attachment_id: Id::from_bytes(id),
                    ..g.clone()
                }
            }),
            filename().prop_map({
                let g = g.clone();
                move |filename| Grant {
                    filename,
                    ..g.clone()
                }
            }),
            prop_oneof![any::<i64>(), (g.expires - 2..g.expires + 2)].prop_map({
                let g = g.clone();
                move |expires| Grant {
                    expires,
                    ..g.clone()
                }
            }),
            disposition().prop_map(move |disposition| Grant {
                disposition,
                ..g.clone()
            }),
        ]
        .prop_filter("unchanged", move |other| *other != grant)
    }

    proptest! {
        #[test]
        fn a_signed_grant_verifies_until_it_expires(
            keys in keys(3),
            grant in grant(),
            late in prop_oneof![SKEW_SECONDS - 2..SKEW_SECONDS + 3, -(1i64 << 30)..1i64 << 30],
        ) {
            let ring = keyring(&keys);
            let (kid, sig) = ring.sign(&grant);
            let now = grant.expires + late;
            let verdict = ring.verify(&grant, &kid, &sig, now);
            if late <= SKEW_SECONDS {
                prop_assert!(verdict.is_ok());
            } else {
                prop_assert!(matches!(verdict, Err(Error::UrlExpired)));
            }
        }

        #[test]
        fn a_signature_covers_every_field(
            keys in keys(1),
            (grant, other) in grant().prop_flat_map(|g| (Just(g.clone()), altered(g))),
        ) {
            let ring = keyring(&keys);
            let (kid, sig) = ring.sign(&grant);
            let verdict = ring.verify(&other, &kid, &sig, grant.expires);
            prop_assert!(matches!(verdict, Err(Error::SignatureInvalid)));
        }

        /// Any other signature or key id is refused, and no string makes `verify` panic.
        #[test]
        fn other_signatures_and_kids_are_refused(
            keys in keys(3),
            grant in grant(),
            sig in prop_oneof!["[A-Za-z0-9_-]{42,44}", ".{0,60}"],
            kid in prop_oneof!["[0-9a-f]{8}", ".{0,12}"],
        ) {
            let ring = keyring(&keys);
            let (signed_kid, signed_sig) = ring.sign(&grant);
            let now = grant.expires;
            if sig != signed_sig {
                let verdict = ring.verify(&grant, &signed_kid, &sig, now);
                prop_assert!(matches!(verdict, Err(Error::SignatureInvalid)));
            }
            if ring.find(&kid).is_none() {
                let verdict = ring.verify(&grant, &kid, &signed_sig, now);
                prop_assert!(matches!(verdict, Err(Error::SignatureInvalid)));
            }
        }

        /// One character of a signature changed, even in its last character's spare bits,
        /// is a different signature.
        #[test]
        fn a_signature_edited_in_one_character_is_refused(
            keys in keys(1),
            grant in grant(),
            at in any::<prop::sample::Index>(),
            c in prop::sample::select(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".as_bytes()
            ),
        ) {
            let ring = keyring(&keys);
            let (kid, sig) = ring.sign(&grant);
            let mut edited = sig.clone().into_bytes();
            edited[at.index(sig.len())] = c;
            let edited = String::from_utf8(edited).unwrap();
            prop_assume!(edited != sig);
            let verdict = ring.verify(&grant, &kid, &edited, grant.expires);
            prop_assert!(matches!(verdict, Err(Error::SignatureInvalid)));
        }

        #[test]
        fn a_rotated_keyring_verifies_what_the_old_one_signed(
            keys in keys(3),
            newer in keys(2),
            grant in grant(),
        ) {
            let ring = keyring(&keys);
            let (kid, sig) = ring.sign(&grant);
            let mut all = keys.clone();
            all.extend(newer.into_iter().filter(|(kid, _)| ring.find(kid).is_none()));
            let rotated = keyring(&all);
            prop_assert!(rotated.verify(&grant, &kid, &sig, grant.expires).is_ok());
        }
    }
}
