/**
 * A seed for one statistic, from the report's --seed and names that identify the statistic
 * (experiment, optimiser label, metric, ...). Each number then depends only on its own runs and
 * the seed, not on which other groups the filters kept or in what order they were computed.
 * FNV-1a over the UTF-16 code units, 32 bits.
 */
export function derivedSeed(seed: number, ...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff; // separator, so ('ab','c') and ('a','bc') differ
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  feed(String(seed));
  for (const p of parts) feed(String(p));
  return h >>> 0;
}
