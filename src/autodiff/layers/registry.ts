import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import { activationKind } from './activation.js';
import { addKind } from './add.js';
import { batchNormKind } from './batchnorm.js';
import { convKind } from './conv.js';
import { denseKind } from './dense.js';
import { flattenKind } from './flatten.js';
import { globalAvgPoolKind } from './global-avg-pool.js';
import { inputKind } from './input.js';
import { maxPoolKind } from './maxpool.js';

type Op = LayerNode['op'];

/** Every layer kind of the engine, by op (a new kind is one module and one line here). */
const KINDS: { [O in Op]: LayerKind<Extract<LayerNode, { op: O }>> } = {
  input: inputKind,
  dense: denseKind,
  conv2d: convKind,
  batchnorm: batchNormKind,
  activation: activationKind,
  maxpool: maxPoolKind,
  globalavgpool: globalAvgPoolKind,
  add: addKind,
  flatten: flattenKind,
};

/** The module of a node's kind; the passes hand it back the caches it made itself. */
export function kindOf(n: LayerNode): LayerKind {
  return KINDS[n.op] as unknown as LayerKind;
}

/** indices of the nodes a node reads */
export function nodeInputs(n: LayerNode): number[] {
  return kindOf(n).inputs(n);
}

/** whether each node's value depends on the parameters (else its gradient is never needed) */
export function paramDependence(nodes: LayerNode[]): boolean[] {
  const dep: boolean[] = [];
  nodes.forEach((n) => dep.push(kindOf(n).ownsParams || nodeInputs(n).some((i) => dep[i])));
  return dep;
}
