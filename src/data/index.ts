/** Datasets: registry, download cache, parsers, reference splits and normalisation, batches. */
export type { Dataset, Split, NormalisationStats, Task, DataOptions, FetchProgress, ProgressCallback } from './types.js';
export { DATASET_NAMES, REGISTRY, datasetEntry, isDatasetName, type DatasetName, type DatasetEntry, type RemoteFile } from './registry.js';
export { resolveDataDir, resolveMirror, DATA_DIR_ENV, MIRROR_ENV } from './locations.js';
export { ensureDatasetFiles, verifyDataset, type FileReport, type FileStatus } from './cache.js';
export { loadDataset } from './load.js';
export { batchesPerEpoch, epochBatches, epochOrder, type BatchOptions, type HostBatch, type Padding } from './batches.js';
