//! What the object store was asked, per operation and outcome, and how long it took: the
//! first place to look when uploads slow down or answer 503 on an S3-backed install.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    op: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    op: String,
}

/// Shared counters (cheap to clone); all zero on the local store.
#[derive(Clone)]
pub struct ObjectStoreMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<OpLabels, Histogram, fn() -> Histogram>,
}

impl Default for ObjectStoreMetrics {
    fn default() -> Self {
        ObjectStoreMetrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(super::latency_histogram),
        }
    }
}

impl ObjectStoreMetrics {
    /// New counters, registered in `registry`.
    pub(super) fn registered(registry: &mut Registry) -> Self {
        let metrics = ObjectStoreMetrics::default();
        metrics.register(registry);
        metrics
    }

    fn register(&self, registry: &mut Registry) {
        registry.register(
            "object_store_requests",
            "Requests to the object store by operation and outcome (ok, not_found, error)",
            self.requests.clone(),
        );
        registry.register(
            "object_store_request_duration_seconds",
            "Time the object store took, by operation (retries included)",
            self.latency.clone(),
        );
    }

    /// One request (`head`, `put`, `get`, …) and how it ended.
    pub fn observe(&self, op: &str, took: Duration, outcome: &str) {
        self.requests
            .get_or_create(&RequestLabels {
                op: op.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&OpLabels { op: op.to_owned() })
            .observe(took.as_secs_f64());
    }
}
