/**
 * Controllers: run a {@link Resource}'s `upsert` / `delete` callbacks for
 * every change its informer (and its {@link Trigger}s' informers) see,
 * through a rate-limited work queue.
 *
 * @module
 */
export {
  Controller,
  ControllerAlreadyRunningError,
  type ControllerErrorInfo,
  type ControllerOptions,
  InformerStoppedError,
  MissingFactoryError,
} from "./controller.ts";
export type { ControllerFilter } from "./filter.ts";
export type { ReconcileMetrics, ReconcileOutcome } from "./metrics.ts";
export {
  type Backgrounder,
  type ControllerEvent,
  type ControllerInformer,
  type Event,
  isBackgrounder,
  newResource,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileReturn,
  type Resource,
  type ResourceDeleteFunc,
  type ResourceUpsertFunc,
} from "./resource.ts";
export type {
  ReconcileFailure,
  RunUntilIdleOptions,
  RunUntilIdleSummary,
} from "./run-until-idle.ts";
export {
  isInformerSource,
  type OwnsOptions,
  ownerKeys,
  owns,
  type Trigger,
  type TriggerContext,
  type TriggerSource,
  type WatchesOptions,
  watches,
} from "./trigger.ts";
