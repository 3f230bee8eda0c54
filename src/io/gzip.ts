import { InvalidInputError } from '../errors.js';

/** Whether bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips with the platform's DecompressionStream (Node 18+, browsers, Deno, workerd).
 * A truncated stream or a bad trailer is an InvalidInputError naming `what`.
 */
export async function gunzip(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new InvalidInputError(`${what}: not a valid gzip stream (${(e as Error).message})`);
  }
}
