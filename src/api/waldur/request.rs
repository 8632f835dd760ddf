//! Request bodies read as Django REST framework's serializers read them: a JSON object whose
//! fields fail with DRF's messages, every failing field reported at once.

use serde_json::{Map, Value};

use crate::error::{Error, FieldError, Result};
use crate::ids::Id;

/// The fields of a body, which must be a JSON object.
pub(super) fn fields(body: &Value) -> Result<&Map<String, Value>> {
    body.as_object().ok_or_else(|| {
        let message = "Invalid data. Expected a dictionary, but got a JSON value that is not.";
        Error::Invalid(vec![FieldError::new("", "invalid", message)])
    })
}

/// The failures of one body, collected field by field.
#[derive(Default)]
pub(super) struct Failures(Vec<FieldError>);

impl Failures {
    pub(super) fn add(&mut self, name: &str, message: impl Into<String>) {
        self.0
            .push(FieldError::new(format!("/{name}"), "invalid", message));
    }

    /// `Ok` when no field failed, else DRF's 400 naming each.
    pub(super) fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }

    /// DRF's 400 naming each field that failed (for bodies that cannot succeed).
    pub(super) fn into_error(self) -> Error {
        Error::Invalid(self.0)
    }

    /// A `CharField`: `None` when absent (`required` says whether that fails), trimmed, never
    /// blank; a number is taken as its text, as DRF does.
    pub(super) fn text(
        &mut self,
        fields: &Map<String, Value>,
        name: &str,
        required: bool,
    ) -> Option<String> {
        match fields.get(name) {
            None if required => self.add(name, "This field is required."),
            None => {}
            Some(Value::Null) => self.add(name, "This field may not be null."),
            Some(Value::String(text)) if text.trim().is_empty() => {
                self.add(name, "This field may not be blank.");
            }
            Some(Value::String(text)) => return Some(text.trim().to_owned()),
            Some(Value::Number(n)) => return Some(n.to_string()),
            Some(_) => self.add(name, "Not a valid string."),
        }
        None
    }

    /// A required `ListField` of `UUIDField`s; `None` when it failed.
    pub(super) fn uuids(&mut self, fields: &Map<String, Value>, name: &str) -> Option<Vec<Id>> {
        let items = match fields.get(name) {
            Some(Value::Array(items)) => items,
            other => {
                let message = match other {
                    None => "This field is required.",
                    Some(Value::Null) => "This field may not be null.",
                    Some(_) => "Expected a list of items.",
                };
                self.add(name, message);
                return None;
            }
        };
        let ids: Option<Vec<Id>> = items
            .iter()
            .map(|item| item.as_str().and_then(Id::parse_uuid))
            .collect();
        if ids.is_none() {
            self.add(name, "Must be a valid UUID.");
        }
        ids
    }
}
