import type { ModelDef } from '../../../../src/models/zoo.js';
import type { LayerNode, ModelSpec, Padding, ParamSpec } from '../../../../src/models/spec.js';

/** Tiny models with every KFAC block kind, small enough for brute-force float64 statistics. */
class Tiny {
  readonly params: ParamSpec[] = [];
  readonly nodes: LayerNode[] = [{ op: 'input' }];
  private at(n: LayerNode): number {
    this.nodes.push(n);
    return this.nodes.length - 1;
  }
  private p(name: string, shape: number[], fanIn: number): string {
    this.params.push({ name, shape, init: { kind: 'truncnormal-variance', fanIn } });
    return name;
  }
  dense(x: number, name: string, din: number, dout: number, bias = true): number {
    const weight = this.p(`${name}/w`, [din, dout], din);
    return this.at({ op: 'dense', input: x, weight, bias: bias ? this.p(`${name}/b`, [dout], 4) : undefined });
  }
  conv(x: number, name: string, k: number, cin: number, cout: number, stride: number, padding: Padding, bias: boolean): number {
    const filter = this.p(`${name}/w`, [k, k, cin, cout], k * k * cin);
    return this.at({ op: 'conv2d', input: x, filter, bias: bias ? this.p(`${name}/b`, [cout], 4) : undefined, stride, padding });
  }
  bn(x: number, name: string, c: number): number {
    return this.at({ op: 'batchnorm', input: x, scale: this.p(`${name}/scale`, [c], 4), offset: this.p(`${name}/offset`, [c], 4), state: name });
  }
  act(x: number, fn: 'relu' | 'tanh'): number {
    return this.at({ op: 'activation', input: x, fn });
  }
  flatten(x: number): number {
    return this.at({ op: 'flatten', input: x });
  }
  spec(name: string, inputShape: number[], outputSize: number): ModelSpec {
    return { name, inputShape, outputSize, params: this.params, nodes: this.nodes };
  }
}

/** dense 3 -> 4, tanh, dense 4 -> 3, cross-entropy */
export function mlpCe(): ModelDef {
  const t = new Tiny();
  t.dense(t.act(t.dense(0, 'd0', 3, 4), 'tanh'), 'd1', 4, 3);
  return { spec: t.spec('tiny-mlp-ce', [3], 3), loss: 'ce' };
}

/** dense 3 -> 5, relu, dense 5 -> 2, 0.5*MSE */
export function mlpMse(): ModelDef {
  const t = new Tiny();
  t.dense(t.act(t.dense(0, 'd0', 3, 5), 'relu'), 'd1', 5, 2);
  return { spec: t.spec('tiny-mlp-mse', [3], 2), loss: 'mse' };
}

/** conv 3x3 stride 2 'same' with bias, tanh, conv 2x2 stride 1 'valid' without, flatten, dense, cross-entropy */
export function convNet(): ModelDef {
  const t = new Tiny();
  let x = t.act(t.conv(0, 'c0', 3, 2, 3, 2, 'same', true), 'tanh'); // [5,5,2] -> [3,3,3]
  x = t.flatten(t.conv(x, 'c1', 2, 3, 2, 1, 'valid', false)); // -> [2,2,2] -> 8
  t.dense(x, 'd0', 8, 3);
  return { spec: t.spec('tiny-conv', [5, 5, 2], 3), loss: 'ce' };
}

/** conv without bias, batch norm (NHWC), relu, flatten, dense, batch norm (rows), tanh, dense, cross-entropy */
export function bnNet(): ModelDef {
  const t = new Tiny();
  let x = t.act(t.bn(t.conv(0, 'c0', 3, 2, 3, 1, 'same', false), 'bn0', 3), 'relu'); // [4,4,2] -> [4,4,3]
  x = t.act(t.bn(t.dense(t.flatten(x), 'd0', 48, 4), 'bn1', 4), 'tanh');
  t.dense(x, 'd1', 4, 2);
  return { spec: t.spec('tiny-bn', [4, 4, 2], 2), loss: 'ce' };
}

/** one dense layer with one output: x [3] -> z [1], 0.5*MSE */
export function singleDense(): ModelDef {
  const t = new Tiny();
  t.dense(0, 'd0', 3, 1);
  return { spec: t.spec('tiny-single', [3], 1), loss: 'mse' };
}
