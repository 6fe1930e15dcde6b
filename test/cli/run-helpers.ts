import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TestContext } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `sfn <args>` from the repository root, offline: no data mirror (UCI Energy comes from the
 * copy built into sfn) and a cache folder that does not exist, whatever the caller's environment says.
 */
export function startSfn(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['bin/sfn.js', ...args], {
    cwd: REPO,
    env: { ...process.env, SFN_DATA_MIRROR: '', SFN_DATA_DIR: '/nonexistent/sfn-test-cache', SFN_BACKEND: 'wasm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function sfn(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startSfn(args, env).done;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A temporary folder removed when the test `t` ends, however it ends. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
