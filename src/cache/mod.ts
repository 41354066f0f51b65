/**
 * Informers and their cache: list-and-watch as a state machine
 * ({@link ListWatchState}, {@link listWatchStep}) run by the {@link Reflector}, the
 * indexed {@link Store}, {@link SharedInformer} / {@link createInformer} and
 * {@link InformerFactory}.
 *
 * @module
 */
export {
  CheckpointCorruptError,
  CheckpointError,
  CheckpointRejectedError,
  type CheckpointRejection,
  type CheckpointStore,
  CheckpointTooLargeError,
  checkCheckpointSize,
  checkSnapshot,
  INFORMER_SNAPSHOT_FORMAT,
  type InformerSnapshot,
  loadSnapshot,
  type SnapshotScope,
  saveSnapshot,
  schemaFingerprint,
  snapshotScope,
  utf8ByteLength,
} from "./checkpoint.ts";
export {
  DurableObjectCheckpointStore,
  type DurableObjectCheckpointStoreOptions,
  type DurableObjectStorageLike,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
  MemoryCheckpointStore,
  type MemoryCheckpointStoreOptions,
} from "./checkpoint-stores.ts";
export {
  InvalidObjectError,
  ShortWatchError,
  StreamingListTimeoutError,
  WatchStalledError,
} from "./errors.ts";
export { type FactoryInformerOptions, InformerFactory } from "./factory.ts";
export {
  type AddInfo,
  createInformer,
  type DeleteInfo,
  type EventHandler,
  type EventHandlerRegistration,
  type Informer,
  type InformerOptions,
  type InformerStats,
  SharedInformer,
  type SnapshotOptions,
} from "./informer.ts";
export {
  type EmptyPhase,
  type ListedPhase,
  type ListWatchEvent,
  type ListWatchFailureCause,
  type ListWatchIO,
  type ListWatchPageRequest,
  type ListWatchState,
  type ListWatchStep,
  type ListWatchWatchRequest,
  listWatchStep,
  listWatchStepNow,
  type PagingPhase,
  type StreamingPhase,
  type WatchingPhase,
} from "./list-watch.ts";
export {
  dropManagedFields,
  emptyStats,
  type ListWatchClient,
  Reflector,
  type ReflectorErrorInfo,
  type ReflectorListOptions,
  type ReflectorOptions,
  type ReflectorPhase,
  type ReflectorSink,
  type ReflectorStats,
  type ReflectorWatchOptions,
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
