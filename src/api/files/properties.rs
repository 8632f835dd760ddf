//! Properties of signed URLs as the route reads them: written by `signed_path`, read by
//! `presented`, checked by `Presented::verify`.

use proptest::prelude::*;

use super::presented;
use crate::core::attachments::signed_path;
use crate::ids::Id;
use crate::signing::{Disposition, Grant, Keyring, SigningKey};

fn keyring(secret: [u8; 32]) -> Keyring {
    let kid = "0a1b2c3d".to_owned();
    Keyring::new(vec![SigningKey { kid, secret }]).unwrap()
}

/// A grant as `core::attachments::sign` makes one; any non-empty name, since the URL must
/// carry whatever name is stored.
fn grant() -> impl Strategy<Value = Grant> {
    let name = prop::collection::vec(any::<char>(), 1..24).prop_map(String::from_iter);
    let disposition = prop_oneof![Just(Disposition::Attachment), Just(Disposition::Inline)];
    (any::<[u8; 16]>(), name, 0..1i64 << 40, disposition).prop_map(
        |(id, filename, expires, disposition)| Grant {
            attachment_id: Id::from_bytes(id),
            filename,
            expires,
            disposition,
        },
    )
}

/// The grant a server that holds `ring` reads from `url` (path and query) at `now`, or
/// nothing if it refuses the URL.
fn accepted(ring: &Keyring, url: &str, now: i64) -> Option<Grant> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let presented = presented(path, query);
    let id = presented.attachment_id?;
    presented.verify(id, ring, now).ok()
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(char),
    Insert(char),
    Remove,
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop_oneof![
        any::<char>(),
        prop::sample::select(&['%', '&', '=', '/', '?', '+', '-', '_', '0', '1', 'A', 'a'][..])
    ];
    prop_oneof![
        c.clone().prop_map(Edit::Replace),
        c.prop_map(Edit::Insert),
        Just(Edit::Remove),
    ]
}

/// A URL of the right shape with made-up parts.
const LOOKS_SIGNED: &str = "/files/[0-9a-fA-F-]{30,38}/[^/?]{0,12}\\?exp=-?[0-9]{0,20}\
                            &disp=[a-z]{0,10}&kid=[0-9a-f]{8}&sig=[A-Za-z0-9_=-]{0,46}";

proptest! {
    #[test]
    fn a_signed_url_reads_back_as_its_grant(secret in any::<[u8; 32]>(), grant in grant()) {
        let ring = keyring(secret);
        let (kid, sig) = ring.sign(&grant);
        let url = signed_path(&grant, &kid, &sig);
        prop_assert_eq!(accepted(&ring, &url, grant.expires), Some(grant));
    }

    /// One character replaced, added or removed anywhere in a signed URL: refused, unless
    /// the URL still says exactly what was signed (`0` before the expiry, an empty `&&`
    /// parameter); a replaced character passes only as the same hex digit in another case.
    #[test]
    fn an_edited_signed_url_is_refused(
        secret in any::<[u8; 32]>(),
        grant in grant(),
        at in any::<prop::sample::Index>(),
        edit in edit(),
    ) {
        let ring = keyring(secret);
        let (kid, sig) = ring.sign(&grant);
        let url = signed_path(&grant, &kid, &sig);
        let mut chars: Vec<char> = url.chars().collect();
        let at = at.index(chars.len());
        match edit {
            Edit::Replace(c) => chars[at] = c,
            Edit::Insert(c) => chars.insert(at, c),
            Edit::Remove => {
                chars.remove(at);
            }
        }
        let edited: String = chars.into_iter().collect();
        prop_assume!(edited != url);
        if let Some(read) = accepted(&ring, &edited, grant.expires) {
            prop_assert_eq!(&read, &grant, "{} was read as another grant", edited);
            if matches!(edit, Edit::Replace(_)) {
                prop_assert!(edited.eq_ignore_ascii_case(&url), "{} accepted", edited);
            }
        }
    }

    /// Made-up URLs never panic the parser and are never accepted.
    #[test]
    fn made_up_urls_are_refused(
        secret in any::<[u8; 32]>(),
        url in prop_oneof![
            LOOKS_SIGNED,
            "/files/.{0,60}",
            ".{0,80}",
        ],
    ) {
        prop_assert_eq!(accepted(&keyring(secret), &url, 0), None);
    }
}
