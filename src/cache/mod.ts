/**
 * Informers and their cache: the list-and-watch {@link Reflector}, the
 * indexed {@link Store}, {@link SharedInformer} / {@link createInformer} and
 * {@link InformerFactory}.
 *
 * @module
 */
export { type FactoryInformerOptions, InformerFactory } from "./factory.ts";
export {
  createInformer,
  type DeleteInfo,
  type EventHandler,
  type EventHandlerRegistration,
  type Informer,
  type InformerOptions,
  type InformerStats,
  SharedInformer,
} from "./informer.ts";
export {
  dropManagedFields,
  emptyStats,
  InvalidObjectError,
  type ListWatchClient,
  Reflector,
  type ReflectorErrorInfo,
  type ReflectorListOptions,
  type ReflectorOptions,
  type ReflectorPhase,
  type ReflectorSink,
  type ReflectorStats,
  type ReflectorWatchOptions,
  ShortWatchError,
  StreamingListTimeoutError,
  WatchStalledError,
  watchIdleDeadlineMs,
} from "./reflector.ts";
export {
  deepFreeze,
  type IndexFunc,
  NAMESPACE_INDEX,
  namespaceIndexFunc,
  type ReplaceResult,
  Store,
  type StoreDeletion,
  type StoreOptions,
  type StoreReader,
} from "./store.ts";
