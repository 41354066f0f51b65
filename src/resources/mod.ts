/**
 * Resource types and schemas: object metadata, lists, `Status`, watch events,
 * the common built-in kinds (generated: every kind is in `kubeloop/kinds/*`)
 * {@link defineResource} for custom resources and {@link resourceFromCRD} for
 * CRDs discovered at run time.
 *
 * @module
 */
export * from "./apiextensions.ts";
export * from "./apps.ts";
export * from "./batch.ts";
export * from "./builtin.ts";
export {
  type Condition,
  ConditionSchema,
  type Container,
  ContainerSchema,
  type LabelSelector,
  type LabelSelectorRequirement,
  LabelSelectorSchema,
  type ObjectReference,
  ObjectReferenceSchema,
  type PodSpec,
  PodSpecSchema,
  type PodTemplateSpec,
  PodTemplateSpecSchema,
} from "./common.ts";
export * from "./coordination.ts";
export * from "./core.ts";
export { CRDError, type ResourceFromCRDOptions, resourceFromCRD } from "./crd.ts";
export * from "./discovery.ts";
export * from "./events.ts";
export * from "./merge.ts";
export * from "./meta.ts";
export * from "./primitives.ts";
export * from "./resource.ts";
export { hasFastPath, type ValidationResult, validate, withCheck } from "./validate.ts";
