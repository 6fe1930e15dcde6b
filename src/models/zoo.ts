import type { Activation, LayerNode, ModelSpec, ParamSpec } from './spec.js';
import type { LossKind } from './loss-spec.js';

/** A named model of the zoo: its architecture and the loss it is trained with. */
export interface ModelDef {
  spec: ModelSpec;
  loss: LossKind;
}

export interface MlpOptions {
  name: string;
  input: number;
  hidden: number[];
  output: number;
  activation: Activation;
}

export function mlp(o: MlpOptions): ModelSpec {
  const params: ParamSpec[] = [];
  const nodes: LayerNode[] = [{ op: 'input' }];
  const sizes = [o.input, ...o.hidden, o.output];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const w = `dense${i}/w`;
    const b = `dense${i}/b`;
    params.push({ name: w, shape: [sizes[i], sizes[i + 1]], init: { kind: 'truncnormal-linear', fanIn: sizes[i] } });
    params.push({ name: b, shape: [sizes[i + 1]], init: { kind: 'zeros' } });
    nodes.push({ op: 'dense', input: nodes.length - 1, weight: w, bias: b });
    if (i + 2 < sizes.length) nodes.push({ op: 'activation', input: nodes.length - 1, fn: o.activation });
  }
  return { name: o.name, inputShape: [o.input], outputSize: o.output, params, nodes };
}

/** Builds a conv/bn graph with automatic parameter naming. */
class GraphBuilder {
  readonly params: ParamSpec[] = [];
  readonly nodes: LayerNode[] = [{ op: 'input' }];
  private push(n: LayerNode): number {
    this.nodes.push(n);
    return this.nodes.length - 1;
  }
  conv(input: number, name: string, k: number, cin: number, cout: number, stride: number, bias = false): number {
    const filter = `${name}/w`;
    this.params.push({ name: filter, shape: [k, k, cin, cout], init: { kind: 'truncnormal-variance', fanIn: k * k * cin } });
    let b: string | undefined;
    if (bias) {
      b = `${name}/b`;
      this.params.push({ name: b, shape: [cout], init: { kind: 'zeros' } });
    }
    return this.push({ op: 'conv2d', input, filter, bias: b, stride, padding: 'same' });
  }
  bn(input: number, name: string, channels: number, zeroScale = false): number {
    const scale = `${name}/scale`;
    const offset = `${name}/offset`;
    this.params.push({ name: scale, shape: [channels], init: { kind: zeroScale ? 'zeros' : 'ones' } });
    this.params.push({ name: offset, shape: [channels], init: { kind: 'zeros' } });
    return this.push({ op: 'batchnorm', input, scale, offset, state: name });
  }
  relu(input: number): number {
    return this.push({ op: 'activation', input, fn: 'relu' });
  }
  maxpool(input: number, size: number, stride: number): number {
    return this.push({ op: 'maxpool', input, size, stride, padding: 'same' });
  }
  add(a: number, b: number): number {
    return this.push({ op: 'add', inputs: [a, b] });
  }
  gap(input: number): number {
    return this.push({ op: 'globalavgpool', input });
  }
  dense(input: number, name: string, cin: number, cout: number, zeroWeight = false): number {
    const w = `${name}/w`;
    const b = `${name}/b`;
    this.params.push({ name: w, shape: [cin, cout], init: zeroWeight ? { kind: 'zeros' } : { kind: 'truncnormal-linear', fanIn: cin } });
    this.params.push({ name: b, shape: [cout], init: { kind: 'zeros' } });
    return this.push({ op: 'dense', input, weight: w, bias: b });
  }
}

export interface ResNet18Options {
  classes?: number;
  /** 'imagenet' (7x7 stride-2 conv + 3x3 stride-2 max-pool, as the reference) or 'cifar' (3x3 stride-1, no pool) */
  stem?: 'imagenet' | 'cifar';
  inputShape?: number[];
  /** channels per stage; the real network uses [64, 128, 256, 512] */
  widths?: number[];
  blocksPerStage?: number[];
  name?: string;
}

/**
 * ResNet-18 as Haiku's ResNet18 (ResNet v1, basic blocks): convolutions without bias, batch norm
 * after each, projection shortcut (1x1 conv + bn) in stages 2-4, zero-initialised final logits.
 */
export function resnet18(o: ResNet18Options = {}): ModelSpec {
  const classes = o.classes ?? 10;
  const widths = o.widths ?? [64, 128, 256, 512];
  const blocks = o.blocksPerStage ?? [2, 2, 2, 2];
  const inputShape = o.inputShape ?? [32, 32, 3];
  const g = new GraphBuilder();
  let x = 0;
  const cin = inputShape[2];
  if ((o.stem ?? 'imagenet') === 'imagenet') {
    x = g.conv(x, 'stem/conv', 7, cin, widths[0], 2);
    x = g.relu(g.bn(x, 'stem/bn', widths[0]));
    x = g.maxpool(x, 3, 2);
  } else {
    x = g.conv(x, 'stem/conv', 3, cin, widths[0], 1);
    x = g.relu(g.bn(x, 'stem/bn', widths[0]));
  }
  let channels = widths[0];
  widths.forEach((width, stage) => {
    for (let b = 0; b < blocks[stage]; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const name = `stage${stage}/block${b}`;
      let shortcut = x;
      if (b === 0 && stage > 0) {
        shortcut = g.bn(g.conv(x, `${name}/proj`, 1, channels, width, stride), `${name}/proj_bn`, width);
      }
      let y = g.relu(g.bn(g.conv(x, `${name}/conv0`, 3, channels, width, stride), `${name}/bn0`, width));
      y = g.bn(g.conv(y, `${name}/conv1`, 3, width, width, 1), `${name}/bn1`, width);
      x = g.relu(g.add(shortcut, y));
      channels = width;
    }
  });
  x = g.gap(x);
  g.dense(x, 'logits', channels, classes, true);
  return { name: o.name ?? 'resnet18', inputShape, outputSize: classes, params: g.params, nodes: g.nodes };
}

/**
 * A small network with every layer kind of ResNet-18, for exact float64 checks:
 * stride-2 conv (with bias), batch norm, relu, 3x3 stride-2 'same' max-pool, a residual block,
 * global average pooling, dense, softmax cross-entropy.
 */
export function smallConvNet(): ModelSpec {
  const g = new GraphBuilder();
  let x = g.conv(0, 'conv0', 3, 2, 4, 2, true);
  x = g.relu(g.bn(x, 'bn0', 4));
  x = g.maxpool(x, 3, 2);
  const y = g.bn(g.conv(x, 'conv1', 3, 4, 4, 1), 'bn1', 4);
  x = g.relu(g.add(x, y));
  x = g.gap(x);
  g.dense(x, 'logits', 4, 3);
  return { name: 'small-convnet', inputShape: [9, 9, 2], outputSize: 3, params: g.params, nodes: g.nodes };
}

export const MODEL_NAMES = ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'small-convnet', 'resnet18', 'resnet18-cifar'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function modelByName(name: string, classes = 10): ModelDef {
  switch (name) {
    case 'uci-mlp':
      return { spec: mlp({ name, input: 8, hidden: Array(7).fill(12), output: 1, activation: 'relu' }), loss: 'mse' };
    case 'uci-mlp-tanh':
      return { spec: mlp({ name, input: 8, hidden: Array(7).fill(12), output: 1, activation: 'tanh' }), loss: 'mse' };
    case 'fmnist-mlp':
      return { spec: mlp({ name, input: 784, hidden: [50], output: 10, activation: 'relu' }), loss: 'ce' };
    case 'small-convnet':
      return { spec: smallConvNet(), loss: 'ce' };
    case 'resnet18':
      return { spec: resnet18({ classes }), loss: 'ce' };
    case 'resnet18-cifar':
      return { spec: resnet18({ classes, stem: 'cifar', name }), loss: 'ce' };
    default:
      throw new Error(`unknown model "${name}": choose one of ${MODEL_NAMES.join(', ')}`);
  }
}
