/**
 * The Kubernetes client: configuration, `KubeClient`, watch decoding, errors
 * and rate limiting. Kubeconfig loading (which needs a YAML parser) is the
 * separate entry `kubeconfig.ts`.
 *
 * @module
 */

export { DEFAULT_MAX_RESPONSE_BYTES } from "./body.ts";
export {
  ACCEPT_PARTIAL_OBJECT_METADATA,
  ACCEPT_PARTIAL_OBJECT_METADATA_LIST,
  type DeleteOptions,
  type GetOptions,
  KubeClient,
  type ListOptions,
  listQuery,
  type PatchOptions,
  type PatchType,
  type PathOptions,
  resourcePath,
  type WatchOptions,
  type WriteOptions,
  watchQuery,
} from "./client.ts";
export {
  type ClusterConfig,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_USER_AGENT,
  fileTokenProvider,
  type InClusterOptions,
  inCluster,
  protectConfig,
  redactConfig,
  SERVICE_ACCOUNT_DIR,
} from "./config.ts";
export {
  ApiError,
  type ApiErrorInit,
  apiErrorFromResponse,
  ConfigError,
  isAbortError,
  isConflict,
  isGone,
  isNotFound,
  isRetryable,
  NetworkError,
  parseRetryAfter,
  ResponseTooLargeError,
  reasonForCode,
  safeUrl,
  TimeoutError,
  ValidationError,
  type ValidationIssue,
  WatchDecodeError,
  type WatchDecodeErrorKind,
} from "./errors.ts";
export {
  checkPathSegment,
  type PathSegmentArgument,
  PathSegmentError,
  pathSegmentProblems,
} from "./path.ts";
export { DEFAULT_RATE_LIMIT, type RateLimitOptions, TokenBucket } from "./rate-limit.ts";
export {
  DEFAULT_MAX_LINE_BYTES,
  type DecodeWatchStreamOptions,
  decodeWatchBatches,
  decodeWatchChunks,
  decodeWatchStream,
  type RawWatchEvent,
  type WatchDecoderOptions,
  WatchLineDecoder,
} from "./watch.ts";
