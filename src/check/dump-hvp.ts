import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { paramOffsets } from '../models/spec.js';
import { evaluateReference } from '../reference/index.js';
import { engineProducts } from './engine.js';
import { makeHvpProblem, parseCheckModel, type HvpProblem } from './problem.js';
import { relativeError, scalarRelativeError } from './vectors.js';

/** How to read a dump in another framework. */
export const DUMP_CONVENTIONS = {
  values: 'float32 values written with 9 significant digits (exact round trip); tensors are flat, row-major in their shape',
  order: 'parameters in the order of the flat parameter vector (model spec order = the order the layers use them)',
  layout: 'inputs NHWC [batch, h, w, c] or [batch, features]; dense weight [in, out]; conv2d filter [kh, kw, in, out]',
  padding: "'same' as TensorFlow: total = max((ceil(n/s)-1)*s + k - n, 0), before = floor(total/2); max-pool pads with -inf",
  batchnorm: 'training mode: mean and biased variance over every axis but the last, over all rows including masked ones; y = scale*(x-mean)/sqrt(var+1e-5)+offset',
  loss: "mse: 0.5*sum_j (y_ij - t_ij)^2; ce: logsumexp(y_i) - y_i[label_i] (targets are labels); both averaged as sum_i mask_i*l_i / sum_i mask_i",
  hvp: 'hvp = H v, H the Hessian of the loss w.r.t. the flat parameter vector; gradient and hvp in the parameter layout',
} as const;

export interface DumpSummary {
  path: string;
  model: string;
  parameters: number;
  loss: number;
  /** the dumped engine values against the float64 reference (exact products) */
  reference: { loss: number; lossRelError: number; gradRelError: number; hvpRelError: number };
}

/** Writes JSON to a file piece by piece: ResNet-18's arrays do not fit in one string. */
class JsonWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    this.buffer.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  /** a[start..end) as a JSON array of float32 values */
  numbers(a: ArrayLike<number>, start = 0, end = a.length): void {
    this.write('[');
    for (let i = start; i < end; i += 4096) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(end, i + 4096); j++) chunk.push(String(Number(Math.fround(a[j]).toPrecision(9))));
      this.write((i > start ? ',' : '') + chunk.join(','));
    }
    this.write(']');
  }
  flush(): void {
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function writeTensors(w: JsonWriter, problem: HvpProblem, flat: ArrayLike<number>): void {
  w.write('[');
  let first = true;
  for (const [name, o] of paramOffsets(problem.def.spec)) {
    w.write(`${first ? '' : ','}\n  {"name":${JSON.stringify(name)},"shape":${JSON.stringify(o.shape)},"values":`);
    w.numbers(flat, o.offset, o.offset + o.size);
    w.write('}');
    first = false;
  }
  w.write('\n ]');
}

/** `sfn dump-hvp`: one model, batch, direction and the engine's loss, gradient and H v, as JSON. */
export async function dumpHvp(model: string, seed: number, path: string, backend: string): Promise<DumpSummary> {
  const name = parseCheckModel(model);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${seed}`);
  const problem = makeHvpProblem(name, seed, { directions: 1, avoidKinks: name !== 'resnet18' });
  const { def, params, batch } = problem;
  const v = problem.directions[0];
  const engine = await engineProducts(def, params, batch, [v]);
  const ref = evaluateReference(def, params, batch, v);
  const reference = {
    loss: ref.loss,
    lossRelError: scalarRelativeError(engine.loss, ref.loss),
    gradRelError: relativeError(engine.grad, ref.grad),
    hvpRelError: relativeError(engine.hvps[0], ref.hvp),
  };

  const w = new JsonWriter(path);
  w.write('{\n "format":"sfn-hvp-dump/1",\n');
  w.write(` "model":${JSON.stringify(name)},"seed":${seed},"backend":${JSON.stringify(backend)},"loss_kind":${JSON.stringify(def.loss)},\n`);
  w.write(` "conventions":${JSON.stringify(DUMP_CONVENTIONS)},\n`);
  w.write(` "architecture":${JSON.stringify(def.spec)},\n`);
  w.write(' "parameters":');
  writeTensors(w, problem, params);
  w.write(`,\n "batch":{"batch_size":${batch.batchSize},"input_shape":${JSON.stringify(def.spec.inputShape)},"inputs":`);
  w.numbers(batch.x);
  w.write(',\n  "targets":');
  w.numbers(batch.targets);
  w.write(',\n  "mask":');
  w.numbers(batch.mask);
  w.write('},\n "direction":');
  writeTensors(w, problem, v);
  w.write(`,\n "loss":${Number(Math.fround(engine.loss).toPrecision(9))},\n "gradient":`);
  writeTensors(w, problem, engine.grad);
  w.write(',\n "hvp":');
  writeTensors(w, problem, engine.hvps[0]);
  w.write(`,\n "float64_reference":${JSON.stringify({ loss: reference.loss, loss_rel_error: reference.lossRelError, grad_rel_error: reference.gradRelError, hvp_rel_error: reference.hvpRelError })}\n}\n`);
  w.close();
  return { path, model: name, parameters: params.length, loss: engine.loss, reference };
}
