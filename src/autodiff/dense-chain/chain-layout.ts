import type { Activation } from '../../models/spec.js';
import type { LossKind } from '../../models/loss-spec.js';
import type { ModelDef } from '../../models/zoo.js';
import { denseChain } from '../dense-chain-hessian.js';

/** activations the dense-chain kernel computes, with its code for them */
export const KERNEL_ACTIVATIONS: Record<Activation, number> = { relu: 0, tanh: 1, sigmoid: 2 };

export interface ChainLayer {
  weight: string;
  bias: string | undefined;
  fanIn: number;
  units: number;
  /** widths in the kernel's memory: fanIn and units rounded up to multiples of 4 (zero padding) */
  inW: number;
  outW: number;
  /** the activation after the layer; null: none (a linear layer, or the output) */
  act: Activation | null;
  /** where the weight (fanIn x units, row-major) and the bias start in the flat parameter vector */
  wFlat: number;
  bFlat: number;
}

export interface ChainLayout {
  /** the model's name, for messages */
  name: string;
  layers: ChainLayer[];
  /** parameters in the flat vector */
  size: number;
  loss: LossKind;
  inputSize: number;
  outputs: number;
}

const up4 = (n: number) => (n + 3) & ~3;

const layouts = new WeakMap<ModelDef['spec'], { loss: LossKind; layout: ChainLayout | null }>();

/**
 * The dense chain of a model (input -> dense -> [activation] -> ... -> dense, the loss on the last),
 * or null; worked out once per model spec.
 */
export function chainLayout(def: ModelDef): ChainLayout | null {
  const known = layouts.get(def.spec);
  if (known !== undefined && known.loss === def.loss) return known.layout;
  const layout = makeLayout(def);
  layouts.set(def.spec, { loss: def.loss, layout });
  return layout;
}

function makeLayout(def: ModelDef): ChainLayout | null {
  const chain = denseChain(def.spec);
  if (chain === null) return null;
  const nodes = def.spec.nodes;
  const layers: ChainLayer[] = chain.map((l) => {
    const n = nodes[l.node];
    const bias = n.op === 'dense' ? n.bias : undefined;
    const actNode = l.act >= 0 ? nodes[l.act] : null;
    return {
      weight: l.weight,
      bias,
      fanIn: l.fanIn,
      units: l.units,
      inW: up4(l.fanIn),
      outW: up4(l.units),
      act: actNode !== null && actNode.op === 'activation' ? actNode.fn : null,
      wFlat: l.offset,
      bFlat: bias === undefined ? -1 : l.offset + l.fanIn * l.units,
    };
  });
  const last = layers[layers.length - 1];
  return {
    name: def.spec.name,
    layers,
    size: last.bFlat >= 0 ? last.bFlat + last.units : last.wFlat + last.fanIn * last.units,
    loss: def.loss,
    inputSize: layers[0].fanIn,
    outputs: last.units,
  };
}
