/**
 * The PyTorch peer of `npm run bench -- --peer`: scripts/peers/torch_hvp_peer.py in its serving
 * mode, one process per thread count, driven one request at a time so that its repetitions
 * interleave with sfn's. PyTorch is never a dependency: without python3 and torch the benchmark
 * says so and runs alone.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SettleOptions } from './timing.js';

export const PEER_SCRIPT = fileURLToPath(new URL('../peers/torch_hvp_peer.py', import.meta.url));

/** the python with torch: SFN_PEER_PYTHON, else Debian's /usr/bin/python3 (python3-torch), else python3 on the PATH */
export function findPeerPython(): { python: string } | { missing: string } {
  const candidates = [process.env.SFN_PEER_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return { python };
  }
  return { missing: `no python3 with torch found (tried ${candidates.join(', ')}; apt-get install python3-torch, or set SFN_PEER_PYTHON)` };
}

export class Peer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  info: { peer: string; threads: number; figures: string[] } | undefined;

  private constructor(python: string, readonly threads: number) {
    this.child = spawn(python, [PEER_SCRIPT, '--serve', String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(`[peer ${threads}t] ${d}`));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
  }

  static async start(python: string, threads: number): Promise<Peer> {
    const p = new Peer(python, threads);
    p.info = (await p.request({ op: 'info' })) as Peer['info'];
    return p;
  }

  private request(req: object): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`the PyTorch peer (${this.threads} threads) exited`));
      this.child.once('exit', onExit);
      this.pending.push((line) => {
        this.child.off('exit', onExit);
        const answer = JSON.parse(line) as Record<string, unknown>;
        if (typeof answer.error === 'string') reject(new Error(`PyTorch peer: ${answer.error}`));
        else resolve(answer);
      });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  async settle(figure: string, o: SettleOptions): Promise<number[]> {
    return (await this.request({ op: 'settle', figure, maxReps: o.maxReps ?? 60, maxSeconds: o.maxSeconds ?? 10 })).ms as number[];
  }

  /**
   * wall and CPU milliseconds per repetition of a block of `reps` back-to-back repetitions (their
   * mean; CPU: all the peer's threads together)
   */
  async time(figure: string, reps = 1): Promise<{ wall: number; cpu: number }> {
    const r = await this.request({ op: 'time', figure, reps });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { wall: mean(r.ms as number[]), cpu: mean(r.cpuMs as number[]) };
  }

  close(): void {
    this.child.stdin.end();
    this.lines.close();
  }
}
