//! Waldur's lists: bare arrays paged by `page`/`page_size`, with `X-Result-Count` and a
//! `Link` header (first, prev, next, last), and sparse fields by repeated `field`. A repeated
//! parameter counts by its last value, as Django's `QueryDict.get` reads it.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde_json::Value;

use crate::core::Core;
use crate::error::{Error, Result};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 300;

/// The query parameters that filter or order a list (of any of Waldur's lists that attache
/// serves), carried into its `Link`s.
const LIST_FILTERS: &[&str] = &[
    "o",
    // Issues.
    "summary",
    "query",
    "key",
    "type",
    "status",
    "customer",
    "customer_uuid",
    "project",
    "project_uuid",
    "reporter",
    "reporter_name",
    "caller",
    "caller_full_name",
    "assignee",
    "assignee_name",
    "resource",
    "resource_uuid",
    "resource_external_ip",
    "resource_internal_ip",
    "remote_id",
    "resolution_year_month",
    "is_open",
    "is_parent",
    "is_routed",
    "is_escalated",
    "sla_breached",
    "provider_uuid",
    // Comments and attachments.
    "issue",
    "issue_uuid",
    "description",
    "author_name",
    "author_user",
    "is_public",
    "remote_id_is_set",
];

/// The query as Waldur clients send it (repeated `field`), with paging read out of it.
pub(super) struct ListParams {
    pairs: Vec<(String, String)>,
    page: u32,
    pub(super) page_size: u32,
    fields: Vec<String>,
}

impl ListParams {
    pub(super) fn parse(req: &HttpRequest) -> Result<Self> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .rfind(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let page = match get("page") {
            None => 1,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(Error::NotFound("page"))?,
        };
        let page_size = get("page_size")
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|s| *s >= 1)
            .map_or(DEFAULT_PAGE_SIZE, |s| s.min(MAX_PAGE_SIZE));
        let fields = pairs
            .iter()
            .filter(|(k, _)| k == "field")
            .map(|(_, v)| v.clone())
            .collect();
        Ok(ListParams {
            pairs,
            page,
            page_size,
            fields,
        })
    }

    /// The value of `name`; the last one when it is repeated, as Django's `QueryDict.get`.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rfind(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn offset(&self) -> u32 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    /// The same list at another page; `None` drops `page`, as Django REST framework does for
    /// the first page.
    fn url(&self, base: &str, page: Option<u32>, fields: &HashSet<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut seen = HashSet::new();
        for (k, v) in &self.pairs {
            let carried = match k.as_str() {
                "field" => fields.contains(v.as_str()),
                k => k == "page_size" || LIST_FILTERS.contains(&k),
            };
            if carried && seen.insert((k, v)) {
                query.append_pair(k, v);
            }
        }
        if let Some(page) = page {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    /// `X-Result-Count` and `Link` (first, prev, next, last). A page past the last is 404.
    /// The links carry what shapes the list, each once: `page_size`, the filters, and the
    /// `field`s that name a field of the items (2,000 junk `field=` parameters made a 69 KB
    /// header that clients cannot read).
    fn headers(
        &self,
        res: &mut HttpResponseBuilder,
        base: &str,
        total: u64,
        items: &[Value],
    ) -> Result<()> {
        let last = total.div_ceil(self.page_size as u64).max(1) as u32;
        if self.page > last {
            return Err(Error::NotFound("page"));
        }
        let fields: HashSet<&str> = items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|item| item.keys().map(String::as_str))
            .collect();
        let url = |page| self.url(base, page, &fields);
        let at = |page: u32| if page == 1 { None } else { Some(page) };
        let mut links = vec![format!("<{}>; rel=\"first\"", url(None))];
        if self.page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", url(at(self.page - 1))));
        }
        if self.page < last {
            links.push(format!("<{}>; rel=\"next\"", url(Some(self.page + 1))));
        }
        links.push(format!("<{}>; rel=\"last\"", url(at(last))));
        res.insert_header(("X-Result-Count", total.to_string()));
        res.insert_header((header::LINK, links.join(", ")));
        Ok(())
    }

    /// Keeps only the requested `field`s of each item, when any were asked for.
    pub(super) fn sparse(&self, item: Value) -> Value {
        match item {
            Value::Object(map) if !self.fields.is_empty() => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| self.fields.contains(k))
                    .collect(),
            ),
            other => other,
        }
    }
}

pub(super) fn list_response(
    req: &HttpRequest,
    core: &Core,
    params: &ListParams,
    items: Vec<Value>,
    total: u64,
) -> Result<HttpResponse> {
    let mut res = HttpResponse::Ok();
    params.headers(
        &mut res,
        &format!("{}{}", core.public_url, req.path()),
        total,
        &items,
    )?;
    if req.method() == actix_web::http::Method::HEAD {
        return Ok(res.finish());
    }
    Ok(res.json(
        items
            .into_iter()
            .map(|i| params.sparse(i))
            .collect::<Vec<_>>(),
    ))
}
