/**
 * The `discovery.k8s.io/v1` EndpointSlice kind. Re-exported from the generated `discovery/v1` module
 * (`kubeloop/kinds/discovery/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export {
  type Endpoint,
  type EndpointSlice,
  EndpointSliceSchema,
  EndpointSlices,
} from "../kinds/discovery/v1.ts";
