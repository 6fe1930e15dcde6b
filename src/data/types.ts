/**
 * In-memory datasets as the training loop sees them: flat row-major Float32Arrays, images
 * channels-last ([rows, H, W, C]), already split and normalised.
 */

export type Task = 'regression' | 'classification';

export interface Split {
  /** inputs, row-major [rows, ...inputShape] */
  x: Float32Array;
  /** regression: targets [rows, ...targetShape] (targetShape [1]); classification: labels 0..classes-1 as floats [rows] */
  y: Float32Array;
  rows: number;
  inputShape: number[];
  /** shape of one row of y: [outputs] for regression, [] for class labels */
  targetShape: number[];
}

/** How the raw values were normalised (enough to undo it, e.g. to report UCI losses in kWh/m2). */
export interface NormalisationStats {
  /** what the input statistics are per: one value per feature/element of a row, or per channel */
  inputs: 'per-element' | 'per-channel';
  /** raw inputs are first multiplied by this (CIFAR-10: 1/255), then standardised */
  inputScale: number;
  inputMean: Float64Array;
  inputStd: Float64Array;
  /** scalar target statistics (regression only) */
  targetMean?: number;
  targetStd?: number;
  /** which rows the statistics came from, in words */
  source: string;
}

export interface Dataset {
  name: string;
  task: Task;
  classes?: number;
  train: Split;
  val: Split;
  test: Split;
  stats: NormalisationStats;
}

/** One event of the file-fetching stage; `total` is the expected size in bytes. */
export interface FetchProgress {
  dataset: string;
  file: string;
  /**
   * 'cached': already present and verified; 'built-in': the copy shipped with sfn is used;
   * 'replace': a cached file failed its check and is fetched again (`problem` says how);
   * 'download': bytes arriving; 'verify': hashing a cached file; 'done': stored
   */
  phase: 'cached' | 'built-in' | 'replace' | 'verify' | 'download' | 'done';
  bytes: number;
  total: number;
  /** where the bytes come from (URL, mirror path or the built-in copy) */
  source?: string;
  /** 'replace': what was wrong with the cached file */
  problem?: string;
}

export type ProgressCallback = (p: FetchProgress) => void;

export interface DataOptions {
  /** cache folder; default env SFN_DATA_DIR, else ./datasets */
  dataDir?: string;
  /** a local folder or http(s) base URL laid out as <mirror>/<dataset>/<file>; default env SFN_DATA_MIRROR */
  mirror?: string;
  onProgress?: ProgressCallback;
  /** use the copy shipped with sfn where there is one (default true; tests of the download path turn it off) */
  builtIn?: boolean;
}
