/**
 * `npm run bench [-- options]`: how fast sfn computes gradients, Hessian-vector products, the
 * explicit Hessian and its eigen-solve, whole optimiser steps and an evaluation pass; one JSON
 * object on stdout (progress on stderr). Figures are listed in scripts/bench/figures.ts.
 *
 * Method (the machine is usually shared, so only figures measured side by side compare):
 *  - every figure is warmed up until its times settle (the median of the last 5 repetitions within
 *    5% of the 5 before; at most 60 repetitions or 10 s), not once: V8 compiles the hot paths and
 *    the backend allocates its buffers during the first calls;
 *  - then `--rounds` rounds (default 15; fewer for slow figures), each one block of repetitions of
 *    sfn and, with `--peer`, one of the PyTorch peer (scripts/peers/torch_hvp_peer.py, one process
 *    per thread count in --peer-threads, default 1,2), interleaved, so that load changes hit both
 *    alike; a block is as many back-to-back repetitions as last about --block-ms (default 20; at
 *    least one, so slow figures are timed one repetition at a time) and its sample is the time per
 *    repetition: a lone sub-millisecond call made just after the process woke from waiting for the
 *    other side runs on cold caches (measured: the UCI gradient 0.64 ms that way, 0.34 ms back to
 *    back, for both sides alike), while training calls them back to back;
 *  - each side is summarised by its median, quartiles and extremes; `ratio` is sfn's median over
 *    the faster PyTorch median (below 1: sfn is faster), `ratioByThreads` per peer thread count;
 *  - the load average at the start and end of every figure is in the JSON, and beside every wall
 *    time the CPU time of the same repetitions (sfnCpu, peerCpu: all the process's threads), which a
 *    busy machine does not inflate by descheduling; with one thread it is what an idle core would take.
 *    `ratioCpu1t` compares sfn's CPU time with the 1-thread peer's: on an overloaded machine, where
 *    wall times mostly measure waiting for a core, the comparison that still holds.
 * Options: --backend b, --rounds n, --block-ms ms (0: one repetition per round), --only key[,key]
 * (a group such as uciMlp, or one figure such as uciMlp.grad), --peer, --peer-threads 1,2.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { initBackend, describeBackend, formatBackend } from '../src/backend/index.js';
import { denseNativeTier } from '../src/autodiff/dense-chain/dense-kernel.js';
import { GROUPS, type Figure } from './bench/figures.js';
import { blockReps, median, settle, stats, timeBlockWithCpu, type TimeStats } from './bench/timing.js';
import { findPeerPython, Peer } from './bench/peer.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const log = (s: string) => process.stderr.write(`${s}\n`);

// the engine never uses tf.grad: skip loading the tape gradients
const backend = await initBackend(arg('backend', process.env.SFN_BACKEND ?? 'wasm'), { tapeGradients: false });
log(formatBackend());
// which matrix products the MLPs' dense-chain kernel uses (SFN_DENSE_NATIVE; see dense-native.ts)
const nativeTier = denseNativeTier();
const denseKernel = nativeTier === null ? 'WebAssembly SIMD' : `WebAssembly SIMD, native ${nativeTier.name} matrix products`;
log(`dense-chain kernel: ${denseKernel}`);
const rounds = Number(arg('rounds', '15'));
const blockMs = Number(arg('block-ms', '20'));
const only = arg('only', '').split(',').filter(Boolean);
const wanted = (key: string) => only.length === 0 || only.some((o) => key === o || key.startsWith(`${o}.`));

const peers: Peer[] = [];
let peerNote: string | undefined;
if (flag('peer')) {
  const found = findPeerPython();
  if ('missing' in found) {
    peerNote = found.missing;
    log(`--peer: ${found.missing}; sfn alone`);
  } else {
    for (const t of arg('peer-threads', '1,2').split(',').map(Number)) peers.push(await Peer.start(found.python, t));
    log(`peer: ${peers[0].info!.peer}, threads ${peers.map((p) => p.threads).join(', ')}`);
  }
}

interface FigureResult {
  what: string;
  /** repetitions per timed block, each side */
  block: Record<string, number>;
  /** wall-clock milliseconds */
  sfn: TimeStats;
  /** CPU milliseconds of the same repetitions (what descheduling on a busy machine does not inflate) */
  sfnCpu: TimeStats;
  peerFigure?: string;
  /** per peer thread count: wall-clock milliseconds, and CPU milliseconds of all its threads */
  peer?: Record<string, TimeStats>;
  peerCpu?: Record<string, TimeStats>;
  ratio?: number;
  ratioByThreads?: Record<string, number>;
  /**
   * sfn's median CPU time over the 1-thread peer's: the comparison that survives a busy machine
   * (neither side is charged for time it waited to be scheduled)
   */
  ratioCpu1t?: number;
  load: { start: number[]; end: number[] };
}

async function measure(f: Figure): Promise<FigureResult> {
  const loadStart = load();
  const warm = await settle(f.run, f.settle);
  const usePeer = f.peer !== undefined && peers.length > 0;
  const peerWarm = new Map<Peer, number>();
  const peerReps = new Map<Peer, number>();
  if (usePeer) {
    for (const p of peers) {
      const ms = await p.settle(f.peer!, f.settle ?? {});
      peerWarm.set(p, ms.length);
      peerReps.set(p, blockReps(ms, blockMs));
    }
  }
  const reps = blockReps(warm, blockMs);
  const n = Math.min(rounds, f.rounds ?? rounds);
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const theirs = new Map<Peer, number[]>(peers.map((p) => [p, []]));
  const theirsCpu = new Map<Peer, number[]>(peers.map((p) => [p, []]));
  for (let r = 0; r < n; r++) {
    const t = await timeBlockWithCpu(f.run, reps);
    ours.push(t.wall);
    oursCpu.push(t.cpu);
    if (usePeer) {
      for (const p of peers) {
        const u = await p.time(f.peer!, peerReps.get(p)!);
        theirs.get(p)!.push(u.wall);
        theirsCpu.get(p)!.push(u.cpu);
      }
    }
  }
  const result: FigureResult = { what: f.what, block: { sfn: reps, ...Object.fromEntries(peers.filter(() => usePeer).map((p) => [`peer${p.threads}t`, peerReps.get(p)!])) }, sfn: stats(ours, warm.length), sfnCpu: stats(oursCpu, warm.length), load: { start: loadStart, end: load() } };
  if (usePeer) {
    result.peerFigure = f.peer;
    result.peer = Object.fromEntries(peers.map((p) => [`${p.threads}t`, stats(theirs.get(p)!, peerWarm.get(p)!)]));
    result.peerCpu = Object.fromEntries(peers.map((p) => [`${p.threads}t`, stats(theirsCpu.get(p)!, peerWarm.get(p)!)]));
    const ourMedian = median(ours);
    result.ratioByThreads = Object.fromEntries(peers.map((p) => [`${p.threads}t`, Number((ourMedian / median(theirs.get(p)!)).toFixed(3))]));
    result.ratio = Math.max(...Object.values(result.ratioByThreads));
    const one = peers.find((p) => p.threads === 1);
    if (one) result.ratioCpu1t = Number((median(oursCpu) / median(theirsCpu.get(one)!)).toFixed(3));
  }
  return result;
}

const startLoad = load();
const started = new Date().toISOString();
const figures: Record<string, FigureResult> = {};
const groups: Record<string, Record<string, unknown>> = {};
for (const g of GROUPS) {
  if (!only.some((o) => o === g.name || o.startsWith(`${g.name}.`)) && only.length > 0) continue;
  const { figures: list, info, dispose } = await g.setup();
  try {
    for (const f of list) {
      if (!wanted(f.key)) continue;
      const r = await measure(f);
      figures[f.key] = r;
      const peerPart = r.ratio === undefined ? '' : `  peer ${Object.entries(r.peer!).map(([t, s]) => `${t} ${s.ms}`).join(', ')} ms  ratio ${r.ratio} (cpu vs 1t ${r.ratioCpu1t ?? '-'})`;
      log(`${f.key.padEnd(36)} ${String(r.sfn.ms).padStart(9)} ms (cpu ${r.sfnCpu.ms}, iqr ${r.sfn.relIqr}, warm-up ${r.sfn.warmup}, block ${r.block.sfn})${peerPart}  load ${r.load.end[0]}`);
    }
    groups[g.name] = JSON.parse(JSON.stringify(info)) as Record<string, unknown>;
  } finally {
    dispose();
  }
}
peers.forEach((p) => p.close());

const ratios = Object.fromEntries(Object.entries(figures).filter(([, r]) => r.ratio !== undefined).map(([k, r]) => [k, r.ratio]));
const ratiosCpu1t = Object.fromEntries(Object.entries(figures).filter(([, r]) => r.ratioCpu1t !== undefined).map(([k, r]) => [k, r.ratioCpu1t]));
console.log(JSON.stringify({
  started,
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadStart: startLoad, loadEnd: load() },
  ...describeBackend(),
  backend,
  denseKernel,
  peer: peers.length ? { name: peers[0].info!.peer, threads: peers.map((p) => p.threads) } : (peerNote ?? null),
  rounds,
  tensorsLeft: tf.memory().numTensors,
  groups,
  ratios,
  ratiosCpu1t,
  figures,
}));
