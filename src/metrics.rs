//! Prometheus metrics, served as text at `/metrics`: requests by route and status, their
//! latency, bytes moved, dedup hits, signature failures, rate-limited requests, and what the
//! store holds.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

mod object_store;
pub use object_store::ObjectStoreMetrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    schema_version: u32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// Counts the chunks of file downloads: read from the page cache on a worker, or from disk on
/// the blocking pool. Cheap to clone (shared counters), so each download body holds one.
#[derive(Clone, Default)]
pub struct ReadCounters {
    pub page_cache: Counter,
    pub disk: Counter,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … about 8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    upload_bytes: Counter,
    download_bytes: Counter,
    dedup_hits: Counter,
    signature_failures: Counter,
    rate_limited: Counter,
    reads: ReadCounters,
    blobs: Gauge,
    blob_bytes: Gauge,
    build_info: Family<BuildLabels, Gauge>,
    /// Handed to the object store, if one runs (`store::blobs`).
    pub object_store: ObjectStoreMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("attache");
        let metrics = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            upload_bytes: Counter::default(),
            download_bytes: Counter::default(),
            dedup_hits: Counter::default(),
            signature_failures: Counter::default(),
            rate_limited: Counter::default(),
            reads: ReadCounters::default(),
            blobs: Gauge::default(),
            blob_bytes: Gauge::default(),
            build_info: Family::default(),
            object_store: ObjectStoreMetrics::registered(&mut registry),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route pattern",
            metrics.latency.clone(),
        );
        registry.register(
            "upload_bytes",
            "Bytes of files stored by uploads",
            metrics.upload_bytes.clone(),
        );
        registry.register(
            "download_bytes",
            "Bytes of files sent",
            metrics.download_bytes.clone(),
        );
        registry.register(
            "dedup_hits",
            "Uploads whose content was already stored",
            metrics.dedup_hits.clone(),
        );
        registry.register(
            "signature_failures",
            "Signed URLs refused as altered or expired",
            metrics.signature_failures.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by the rate limit",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "download_reads_page_cache",
            "Chunks of downloads read from the page cache, on a worker",
            metrics.reads.page_cache.clone(),
        );
        registry.register(
            "download_reads_disk",
            "Chunks of downloads that waited for the disk, read on the blocking pool",
            metrics.reads.disk.clone(),
        );
        registry.register(
            "blobs_stored",
            "Distinct files in the store",
            metrics.blobs.clone(),
        );
        registry.register(
            "blob_bytes_stored",
            "Bytes of distinct files in the store",
            metrics.blob_bytes.clone(),
        );
        registry.register(
            "build_info",
            "Always 1: this attache's version and the schema version of its database",
            metrics.build_info.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// One answered request; `route` is its pattern (`/v1/tickets/{id}`), never the raw path.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let route = route.to_owned();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(seconds);
        if status == 429 {
            self.rate_limited.inc();
        }
    }

    pub fn uploaded(&self, bytes: u64, already_stored: bool) {
        self.upload_bytes.inc_by(bytes);
        if already_stored {
            self.dedup_hits.inc();
        }
    }

    pub fn downloaded(&self, bytes: u64) {
        self.download_bytes.inc_by(bytes);
    }

    pub fn download_reads(&self) -> ReadCounters {
        self.reads.clone()
    }

    /// Names the running version and the schema version of the open database.
    pub fn set_build_info(&self, schema_version: u32) {
        let labels = BuildLabels {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_version,
        };
        self.build_info.get_or_create(&labels).set(1);
    }

    pub fn signature_failed(&self) {
        self.signature_failures.inc();
    }

    /// The text exposition, with the store's totals as of now.
    pub fn render(&self, blobs: i64, blob_bytes: i64) -> String {
        self.blobs.set(blobs);
        self.blob_bytes.set(blob_bytes);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
