/**
 * The evaluation helper thread's entry (eval-helper.ts starts it): holds the second half of the
 * chunks of some evaluation splits in its own dense-chain kernel and evaluates them on request,
 * while the training thread evaluates the first half. Messages:
 *   { type: 'add', part, layout, x, targets, rows, chunkRows }   keep a split's part as `part`
 *   { type: 'evaluate', id, params, parts }                       -> { id, results: [{ lossSums, hits }] } or { id, error }
 *   { type: 'remove', part }                                      free it
 */
import { parentPort } from 'node:worker_threads';
import { ChainEvaluator, type ChunkSums } from '../autodiff/dense-chain/chain-passes.js';
import type { ChainLayout } from '../autodiff/dense-chain/chain-layout.js';
import { acquireWorkspace, releaseWorkspace, type KernelWorkspace } from '../autodiff/dense-chain/dense-kernel.js';

export type ToEvalThread =
  | { type: 'add'; part: number; layout: ChainLayout; x: Float32Array; targets: Float32Array; rows: number; chunkRows: number }
  | { type: 'evaluate'; id: number; params: Float32Array; parts: number[] }
  | { type: 'remove'; part: number };

export type FromEvalThread =
  | { id: number; results: ChunkSums[] }
  | { id: number; error: string };

const parts = new Map<number, { ws: KernelWorkspace; evaluator: ChainEvaluator }>();
const port = parentPort!;

port.on('message', (m: ToEvalThread) => {
  switch (m.type) {
    case 'add': {
      const ws = acquireWorkspace();
      parts.set(m.part, { ws, evaluator: new ChainEvaluator(ws, m.layout, m.x, m.targets, m.rows, m.chunkRows) });
      return;
    }
    case 'remove': {
      const p = parts.get(m.part);
      if (p) releaseWorkspace(p.ws);
      parts.delete(m.part);
      return;
    }
    case 'evaluate':
      try {
        const results = m.parts.map((id) => {
          const p = parts.get(id);
          if (!p) throw new Error(`evaluation helper: no split part ${id}`);
          return p.evaluator.evaluate(m.params);
        });
        port.postMessage({ id: m.id, results } satisfies FromEvalThread);
      } catch (e) {
        port.postMessage({ id: m.id, error: (e as Error).message } satisfies FromEvalThread);
      }
  }
});
