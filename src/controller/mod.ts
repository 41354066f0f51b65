/**
 * Controllers: run a {@link Resource}'s `upsert` / `delete` callbacks for
 * every change its informer sees, through a rate-limited work queue.
 *
 * @module
 */
export {
  Controller,
  ControllerAlreadyRunningError,
  type ControllerErrorInfo,
  type ControllerOptions,
  InformerStoppedError,
} from "./controller.ts";
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
