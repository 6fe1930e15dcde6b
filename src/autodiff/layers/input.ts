import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';

type InputNode = Extract<LayerNode, { op: 'input' }>;

/**
 * Node 0, the model input: the passes hand it the batch as its one input. Its value does not
 * depend on the parameters, so its tangent is zero (null) and no gradient reaches it.
 */
export const inputKind: LayerKind<InputNode, null, null, null> = {
  inputs: () => [],
  ownsParams: false,
  forward: (_n, [x]) => ({ y: x, cache: null }),
  predict: (_n, [x]) => x,
  backward: () => ({ gxs: [], back: null }),
  rForward: () => ({ ry: null, t: null }),
  rBackward: () => [],
};
