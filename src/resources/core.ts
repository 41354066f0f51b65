/**
 * Built-in kinds of the core (`v1`) API group. Re-exported from the generated `core/v1` module
 * (`kubeloop/kinds/core/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
export {
  type ConfigMap,
  ConfigMapSchema,
  ConfigMaps,
  type ContainerStatus,
  type EndpointSubset,
  type Endpoints,
  EndpointsResource,
  EndpointsSchema,
  type Event,
  EventSchema,
  Events,
  type Namespace,
  NamespaceSchema,
  Namespaces,
  type Node,
  NodeSchema,
  Nodes,
  type Pod,
  PodSchema,
  type PodStatus,
  Pods,
  type Secret,
  SecretSchema,
  Secrets,
  type Service,
  type ServiceAccount,
  ServiceAccountSchema,
  ServiceAccounts,
  type ServicePort,
  ServiceSchema,
  Services,
} from "../kinds/core/v1.ts";
