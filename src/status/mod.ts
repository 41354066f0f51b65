/**
 * Status: condition helpers that move `lastTransitionTime` only when the
 * status changes, and status writes through the status subresource with
 * server-side apply.
 *
 * @module
 */
export { type ApplyStatusOptions, applyStatus, jsonEqual } from "./apply.ts";
export {
  type ConditionInput,
  type ConditionStatus,
  type ConditionsUpdate,
  findCondition,
  formatTime,
  isConditionStatus,
  removeCondition,
  setCondition,
} from "./conditions.ts";
