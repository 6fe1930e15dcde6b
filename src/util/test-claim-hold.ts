import { sleep } from './sleep.js';

/**
 * For tests only (SFN_TEST_CLAIM_DELAY_MS): hold each trial or run this process claims that long
 * before training it, so that processes started together on one study or one set of runs all take
 * part however fast the work is on the machine running the tests. Unset or 0: no delay.
 */
export function holdClaimForTests(signal?: AbortSignal): Promise<void> {
  const ms = Number(process.env.SFN_TEST_CLAIM_DELAY_MS ?? 0);
  return ms > 0 ? sleep(ms, signal) : Promise.resolve();
}
