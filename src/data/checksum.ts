/** File and buffer hashing for download verification. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgorithm = 'sha256' | 'md5';

/** Hex digest of a whole file, streamed; `onBytes` gets the running byte count. */
export async function hashFile(
  file: string,
  algorithm: HashAlgorithm,
  onBytes?: (bytes: number) => void,
): Promise<string> {
  const hash = createHash(algorithm);
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return hash.digest('hex');
}
