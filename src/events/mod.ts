/**
 * Events: an {@link EventRecorder} for `events.k8s.io/v1` that folds repeats
 * into series, rate-limits its writes and never gets in a reconcile's way.
 *
 * @module
 */
export {
  EVENT_RECORDER_RBAC,
  type EventInput,
  EventRecorder,
  type EventRecorderOptions,
  type EventRecorderStats,
  objectReference,
  type RbacRule,
} from "./recorder.ts";
