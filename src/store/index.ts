export { openStore, type Store, type StoreKind, type StoreOptions } from './store.js';
export { DEFAULT_DB_PATH } from './defaults.js';
export { MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
export { configHash, stableStringify } from './hash.js';
export { SCHEMA_VERSION } from './schema.js';
export { softwareVersions } from './versions.js';
export { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_MAX_RETRIES, isServerUrl, redactUrl, resolveLiveness, type Liveness } from './liveness.js';
export * from './types.js';
export * from './study-types.js';
