//! E-mail addresses a ticket is copied to (HostUp's `ccEmails`), validated once at the
//! boundary: past it, a `CcAddresses` holds only addresses, and at most `MAX` of them.

/// One address, `local@domain`: a dot-atom local part of at most 64 bytes (RFC 5322's
/// unquoted form, non-ASCII letters allowed as RFC 6531 does) and a domain name of at least
/// two labels, the whole at most 254 bytes (RFC 5321's limit on a path). Quoted local parts
/// and address literals (`user@[192.0.2.1]`) are refused: no helpdesk mails them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

fn is_atom(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || LOCAL_SPECIALS.contains(c))
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

impl EmailAddress {
    pub fn parse(text: &str) -> Option<EmailAddress> {
        let (local, domain) = text.rsplit_once('@')?;
        let labels: Vec<&str> = domain.split('.').collect();
        let top = labels.last()?;
        let valid = text.len() <= 254
            && local.len() <= 64
            && local.split('.').all(is_atom)
            && labels.len() >= 2
            && labels.iter().all(|l| is_label(l))
            && !top.chars().all(|c| c.is_ascii_digit());
        valid.then(|| EmailAddress(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is wrong with a list of cc addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CcProblem {
    /// More than `CcAddresses::MAX`.
    TooMany,
    /// The entry at this index is not an address.
    NotAnAddress(usize),
}

/// The addresses a ticket is copied to, in the order sent. HostUp documents no limit on
/// their number; attache keeps at most `MAX`, so that a ticket stays a small record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CcAddresses(Vec<EmailAddress>);

impl CcAddresses {
    pub const MAX: usize = 50;

    /// Every problem of `texts`, or the list.
    pub fn parse(texts: &[String]) -> Result<CcAddresses, Vec<CcProblem>> {
        let mut problems = Vec::new();
        if texts.len() > Self::MAX {
            problems.push(CcProblem::TooMany);
        }
        let mut addresses = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match EmailAddress::parse(text) {
                Some(address) => addresses.push(address),
                None => problems.push(CcProblem::NotAnAddress(i)),
            }
        }
        if problems.is_empty() {
            Ok(CcAddresses(addresses))
        } else {
            Err(problems)
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(EmailAddress::as_str)
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// As stored: a JSON array of strings.
    pub fn to_db(&self) -> String {
        serde_json::Value::from(self.to_strings()).to_string()
    }

    /// What `to_db` wrote; anything else reads as no addresses.
    pub fn from_db(text: &str) -> CcAddresses {
        let texts: Vec<String> = serde_json::from_str(text).unwrap_or_default();
        CcAddresses(
            texts
                .iter()
                .filter_map(|t| EmailAddress::parse(t))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_dot_atoms_at_domain_names() {
        for good in [
            "someone@example.com",
            "first.last+tag@mail.example.co.uk",
            "o'brien@example.org",
            "x@xn--bcher-kva.example",
            "zoë@exämple.se",
        ] {
            assert!(EmailAddress::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "not an address",
            "@example.com",
            "someone@",
            "someone@localhost",
            "someone@example..com",
            "some..one@example.com",
            ".someone@example.com",
            "someone@-example.com",
            "some one@example.com",
            "someone@example.com ",
            "someone@192.0.2.1",
            "\"quoted\"@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long_local).is_none());
    }

    #[test]
    fn a_list_names_each_bad_entry_and_its_length_and_reads_back() {
        let texts = vec!["a@example.com".to_owned(), "nope".to_owned()];
        assert_eq!(
            CcAddresses::parse(&texts),
            Err(vec![CcProblem::NotAnAddress(1)])
        );
        let many = vec!["a@example.com".to_owned(); CcAddresses::MAX + 1];
        assert_eq!(CcAddresses::parse(&many), Err(vec![CcProblem::TooMany]));
        let list = CcAddresses::parse(&texts[..1]).unwrap();
        assert_eq!(list.to_db(), r#"["a@example.com"]"#);
        assert_eq!(CcAddresses::from_db(&list.to_db()), list);
        assert_eq!(CcAddresses::from_db("[]"), CcAddresses::default());
    }
}
