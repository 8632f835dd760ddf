//! Where blobs live, as `--blob-store` names it: `local` (the data directory) or
//! `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true`, with credentials from
//! `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` or from a file only its
//! owner can read (never from the command line, where `ps` shows them).

use std::fmt;
use std::path::Path;

use anyhow::{bail, ensure, Context};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BlobLocation {
    #[default]
    Local,
    Object(ObjectLocation),
}

#[derive(Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub path_style: bool,
    pub credentials: Credentials,
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for ObjectLocation {
    /// The location without its secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for ObjectLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}", self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        if let Some(endpoint) = &self.endpoint {
            write!(f, " at {endpoint}")?;
        }
        Ok(())
    }
}

impl fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobLocation::Local => f.write_str("local"),
            BlobLocation::Object(object) => write!(f, "{object}"),
        }
    }
}

impl BlobLocation {
    /// Parses `--blob-store`; credentials come from `credentials_file` when given, else from
    /// the `AWS_*` variables in `env`.
    pub fn parse(
        spec: &str,
        credentials_file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<BlobLocation> {
        let spec = spec.trim();
        if spec.is_empty() || spec == "local" {
            return Ok(BlobLocation::Local);
        }
        let Some(rest) = spec.strip_prefix("s3://") else {
            bail!("--blob-store must be `local` or `s3://BUCKET[/PREFIX]?endpoint=URL&region=R`, not `{spec}`");
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        ensure!(
            valid_bucket(bucket),
            "`{bucket}` is not a bucket name (3-63 of a-z, 0-9, `.` and `-`)"
        );
        let prefix = prefix.trim_matches('/').to_owned();
        ensure!(
            prefix.is_empty()
                || !prefix
                    .split('/')
                    .any(|part| part.is_empty() || part == "." || part == ".."),
            "the prefix `{prefix}` has an empty, `.` or `..` segment"
        );
        let mut location = ObjectLocation {
            bucket: bucket.to_owned(),
            prefix,
            endpoint: None,
            region: env("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
            path_style: false,
            credentials: Credentials::default(),
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "endpoint" => location.endpoint = Some(value.into_owned()),
                "region" => location.region = value.into_owned(),
                "path_style" => location.path_style = parse_bool(&value)?,
                other => {
                    bail!("--blob-store: unknown option `{other}` (endpoint, region, path_style)")
                }
            }
        }
        if location.endpoint.is_none() {
            location.endpoint = env("AWS_ENDPOINT_URL");
        }
        location.credentials = match credentials_file {
            Some(file) => Credentials::from_file(file)?,
            None => Credentials::from_env(&env)?,
        };
        Ok(BlobLocation::Object(location))
    }
}

fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

fn parse_bool(value: &str) -> anyhow::Result<bool> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => bail!("path_style must be true or false, not `{other}`"),
    }
}

impl Credentials {
    fn from_env(env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Credentials> {
        let (Some(access_key_id), Some(secret_access_key)) =
            (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
        else {
            bail!("the object store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --blob-store-credentials FILE");
        };
        Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: env("AWS_SESSION_TOKEN"),
        })
    }

    /// Reads `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` lines (the
    /// keys of AWS's own credentials file; `[section]` lines and `#` comments are skipped),
    /// from a file that only its owner may read.
    fn from_file(path: &Path) -> anyhow::Result<Credentials> {
        use std::os::unix::fs::PermissionsExt;
        let shown = path.display();
        let meta = std::fs::metadata(path).with_context(|| format!("reading {shown}"))?;
        ensure!(
            meta.permissions().mode() & 0o077 == 0,
            "{shown} can be read by others (mode {:o}); `chmod 600` it",
            meta.permissions().mode() & 0o777
        );
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
        let mut found = Credentials::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                bail!("{shown}: a line is not `name = value`");
            };
            let value = value.trim().to_owned();
            match name.trim() {
                "aws_access_key_id" => found.access_key_id = value,
                "aws_secret_access_key" => found.secret_access_key = value,
                "aws_session_token" => found.session_token = Some(value),
                _ => {}
            }
        }
        ensure!(
            !found.access_key_id.is_empty() && !found.secret_access_key.is_empty(),
            "{shown} names no aws_access_key_id and aws_secret_access_key"
        );
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "AWS_ACCESS_KEY_ID" => Some("AK".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("SK".into()),
            _ => None,
        }
    }

    #[test]
    fn local_is_the_default_and_s3_urls_parse() {
        assert_eq!(
            BlobLocation::parse("local", None, env).unwrap(),
            BlobLocation::Local
        );
        let BlobLocation::Object(at) = BlobLocation::parse(
            "s3://files/attache/prod/?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=true",
            None,
            env,
        )
        .unwrap() else {
            panic!("an object store");
        };
        assert_eq!(at.bucket, "files");
        assert_eq!(at.prefix, "attache/prod");
        assert_eq!(at.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(at.region, "eu-west-1");
        assert!(at.path_style);
        assert_eq!(at.credentials.access_key_id, "AK");
        assert!(!format!("{at:?}").contains("SK"), "no secret in logs");
    }

    #[test]
    fn mistakes_are_named() {
        for (spec, says) in [
            ("/srv/blobs", "must be `local` or"),
            ("s3://A", "not a bucket name"),
            ("s3://files/a//b", "empty, `.` or `..`"),
            ("s3://files/../b", "empty, `.` or `..`"),
            ("s3://files?path_style=yes", "true or false"),
            ("s3://files?secret=x", "unknown option"),
        ] {
            let err = BlobLocation::parse(spec, None, env)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{spec}: {err}");
        }
        let err = BlobLocation::parse("s3://files", None, |_| None).unwrap_err();
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"));
    }

    #[test]
    fn a_credentials_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s3");
        std::fs::write(
            &file,
            "[default]\n# for attache\naws_access_key_id = AK2\naws_secret_access_key=SK2\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = BlobLocation::parse("s3://files", Some(&file), env).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let BlobLocation::Object(at) = BlobLocation::parse("s3://files", Some(&file), env).unwrap()
        else {
            panic!("an object store");
        };
        assert_eq!(at.credentials.access_key_id, "AK2");
        assert_eq!(at.credentials.secret_access_key, "SK2");
    }
}
