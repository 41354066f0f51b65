/**
 * Metrics: a small registry rendering the Prometheus text format (served as
 * a fetch handler, e.g. the Manager's `/metrics`), and kubeloop's metrics
 * hooks implemented on it with the names controller-runtime users already
 * have dashboards for.
 *
 * @module
 */
export {
  informerMetrics,
  leaderElectionMetrics,
  reconcileMetrics,
  workQueueMetrics,
} from "./hooks.ts";
export {
  Counter,
  CounterChild,
  exponentialBuckets,
  Gauge,
  GaugeChild,
  Histogram,
  HistogramChild,
  MetricFamily,
  type MetricLabels,
  MetricRegistrationError,
  MetricsRegistry,
  type MetricType,
  PROMETHEUS_CONTENT_TYPE,
} from "./registry.ts";
