//! Waldur's list filters, read as django-filter reads them: an empty value filters nothing; a
//! hyperlink or uuid naming nothing attache has matches nothing (200 and an empty list, never
//! an error); a malformed uuid or an unknown ordering is a 400 naming the parameter, all such
//! parameters at once; and a `resource` hyperlink, which attache can never resolve, is the 400
//! Waldur's resource filter raises.

use crate::error::{Error, FieldError, Result};
use crate::ids::Id;

use super::errors::VIEW_LEVEL;
use super::list::ListParams;

/// What a filter on a related object narrows a list to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Narrow {
    /// The filter is absent or empty.
    Any,
    To(Id),
    /// It names no object attache has: nothing matches.
    Nothing,
}

impl Narrow {
    pub(super) fn id(self) -> Option<Id> {
        match self {
            Narrow::To(id) => Some(id),
            _ => None,
        }
    }

    pub(super) fn is_nothing(self) -> bool {
        self == Narrow::Nothing
    }

    /// Both filters at once.
    pub(super) fn and(self, other: Narrow) -> Narrow {
        match (self, other) {
            (Narrow::Nothing, _) | (_, Narrow::Nothing) => Narrow::Nothing,
            (Narrow::Any, n) | (n, Narrow::Any) => n,
            (Narrow::To(a), Narrow::To(b)) if a == b => Narrow::To(a),
            _ => Narrow::Nothing,
        }
    }
}

/// The filters of one request, and the errors found reading them.
pub(super) struct Filters<'a> {
    params: &'a ListParams,
    errors: Vec<FieldError>,
    /// Set by a filter that matches nothing.
    pub(super) nothing: bool,
}

impl<'a> Filters<'a> {
    pub(super) fn new(params: &'a ListParams) -> Self {
        Filters {
            params,
            errors: Vec::new(),
            nothing: false,
        }
    }

    /// A non-empty value.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.params
            .get(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// A hyperlink filter (`URLFilter`): the uuid of a `…/api/<collection>/<uuid>/` URL. Any
    /// other URL, or a malformed uuid in it, matches nothing, as in Waldur.
    pub(super) fn link(&mut self, name: &str, collection: &str) -> Narrow {
        let Some(value) = self.text(name) else {
            return Narrow::Any;
        };
        match linked(&value, collection) {
            Some(id) => Narrow::To(id),
            None => Narrow::Nothing,
        }
    }

    /// A uuid filter (`UUIDFilter`): either spelling, else a 400.
    pub(super) fn uuid(&mut self, name: &str) -> Narrow {
        let Some(value) = self.text(name) else {
            return Narrow::Any;
        };
        match Id::parse_uuid(&value) {
            Some(id) => Narrow::To(id),
            None => {
                self.fail(name, "Enter a valid UUID.");
                Narrow::Nothing
            }
        }
    }

    /// A boolean filter: `true`/`false` (any case) or `1`/`0`; any other value filters
    /// nothing, as Django's null-boolean field reads it.
    pub(super) fn boolean(&self, name: &str) -> Option<bool> {
        match self.params.get(name)?.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// A filter on something attache never records (a customer, a remote id, an IP address):
    /// any value matches nothing.
    pub(super) fn never_set(&mut self, names: &[&str]) {
        if names.iter().any(|name| self.text(name).is_some()) {
            self.nothing = true;
        }
    }

    /// A uuid or hyperlink of something attache has none of: a malformed uuid is still a 400.
    pub(super) fn never_found(&mut self, uuids: &[&str], links: &[(&str, &str)]) {
        for name in uuids {
            if self.uuid(name) != Narrow::Any {
                self.nothing = true;
            }
        }
        for (name, collection) in links {
            if self.link(name, collection) != Narrow::Any {
                self.nothing = true;
            }
        }
    }

    /// A boolean attache's records never hold true (`is_routed`, `sla_breached`, …): asking
    /// for `true` matches nothing.
    pub(super) fn never_true(&mut self, names: &[&str]) {
        if names.iter().any(|name| self.boolean(name) == Some(true)) {
            self.nothing = true;
        }
    }

    /// The ordering `o`: comma-separated names from `allowed`, each optionally prefixed with
    /// `-`; as (name, descending) pairs.
    pub(super) fn ordering(&mut self, allowed: &[&'static str]) -> Vec<(&'static str, bool)> {
        let Some(value) = self.text("o") else {
            return Vec::new();
        };
        let mut order = Vec::new();
        for item in value.split(',').filter(|v| !v.is_empty()) {
            let (name, descending) = match item.strip_prefix('-') {
                Some(name) => (name, true),
                None => (item, false),
            };
            match allowed.iter().find(|a| **a == name) {
                Some(name) => order.push((*name, descending)),
                None => {
                    let message = format!(
                        "Select a valid choice. {item} is not one of the available choices."
                    );
                    self.fail("o", &message);
                    return Vec::new();
                }
            }
        }
        order
    }

    fn fail(&mut self, name: &str, message: &str) {
        self.errors
            .push(FieldError::new(format!("/{name}"), "invalid", message));
    }

    /// The errors, if any (as django-filter's form reports them, all at once); then the
    /// `resource` filter, which runs after them in Waldur.
    pub(super) fn finish(self) -> Result<bool> {
        if !self.errors.is_empty() {
            return Err(Error::Invalid(self.errors));
        }
        if let Some(resource) = self.text("resource") {
            let message = format!("Can't restore object from url: {resource}");
            return Err(Error::Invalid(vec![FieldError::new(
                "", VIEW_LEVEL, message,
            )]));
        }
        Ok(self.nothing)
    }
}

/// The uuid in a hyperlink to `…/api/<collection>/<uuid>/`, absolute or not, whatever its
/// host (Django resolves only the path).
pub(super) fn linked(url: &str, collection: &str) -> Option<Id> {
    let path = match url.split_once("://") {
        Some((_, rest)) => &rest[rest.find('/')?..],
        None => url,
    };
    let path = path.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let rest = path.strip_suffix('/')?;
    let (before, uuid) = rest.rsplit_once('/')?;
    if !before.ends_with(&format!("/api/{collection}")) {
        return None;
    }
    Id::parse_uuid(uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperlinks_name_their_object_by_path_alone() {
        let id = Id::new();
        let hex = id.hex();
        for url in [
            format!("http://elsewhere:8080/api/support-issues/{hex}/"),
            format!("/api/support-issues/{hex}/"),
            format!("https://host/prefix/api/support-issues/{id}/?x=1"),
        ] {
            assert_eq!(linked(&url, "support-issues"), Some(id), "{url}");
        }
        for url in [
            format!("api/support-issues/{hex}/"),
            format!("http://host/api/support-issues/{hex}"),
            format!("http://host/api/users/{hex}/"),
            "http://host/api/support-issues/nope/".to_owned(),
            "nothing".to_owned(),
            "http://host".to_owned(),
        ] {
            assert_eq!(linked(&url, "support-issues"), None, "{url}");
        }
    }
}
