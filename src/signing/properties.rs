//! Properties of signing and verifying grants: expiry, every field covered, keys rotated.

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
