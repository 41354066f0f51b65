/**
 * The `events.k8s.io/v1` Event kind, as `EventV1`/`EventsV1` (core `Event` keeps the plain name). Re-exported from the generated `events/v1` module
 * (`kubeloop/kinds/events/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export {
  type Event as EventV1,
  EventSchema as EventV1Schema,
  Events as EventsV1,
} from "../kinds/events/v1.ts";
