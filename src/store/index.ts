export { Store } from './store.js';
export { DEFAULT_DB_PATH, type OpenOptions } from './open.js';
export { MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
export { configHash, stableStringify } from './hash.js';
export { SCHEMA_VERSION } from './schema.js';
export { softwareVersions } from './versions.js';
export * from './types.js';
export * from './study-types.js';
