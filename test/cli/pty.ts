import { spawn, spawnSync } from 'node:child_process';
import { REPO } from './run-helpers.js';

/** Why `sfn` cannot be run in a pseudo-terminal here (util-linux `script` is missing), or undefined. */
export const NO_PTY: string | undefined = (() => {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /util-linux/.test(r.stdout) ? undefined : "needs util-linux's `script` to make a pseudo-terminal (Debian: apt-get install bsdutils)";
})();

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface TerminalRun {
  /** everything the terminal has received so far, escape sequences included */
  raw(): string;
  /** types Ctrl-C at the terminal (the terminal turns it into SIGINT for sfn) */
  interrupt(): void;
  /** resolves once the terminal has received text matching `pattern`; throws if sfn exits first */
  waitFor(pattern: RegExp): Promise<void>;
  /** exit status and everything received, once sfn has exited */
  done: Promise<{ code: number | null; raw: string }>;
}

/**
 * Starts `sfn <args>` from the repository root in a pseudo-terminal of `columns` x `rows` (through
 * util-linux `script`), offline with the built-in UCI Energy copy, as startSfn does. Killed after
 * `limitMs` so a hang fails the test instead of stalling the suite.
 */
export function startInTerminal(args: string[], columns: number, rows: number, limitMs = 240_000): TerminalRun {
  const command = `stty cols ${columns} rows ${rows}; exec ${[process.execPath, 'bin/sfn.js', ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: REPO,
    env: { ...process.env, SFN_DATA_MIRROR: '', SFN_DATA_DIR: '/nonexistent/sfn-test-cache', SFN_BACKEND: 'wasm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (raw += d));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (raw += `[script stderr] ${d}`));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<{ code: number | null; raw: string }>((resolve) => {
    child.on('exit', () => child.stdin!.end());
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, raw });
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  const waitFor = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(raw)) {
      if (exited) throw new Error(`sfn exited before the terminal showed ${pattern}; it received:\n${raw}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { raw: () => raw, interrupt: () => child.stdin!.write('\u0003'), waitFor, done };
}
