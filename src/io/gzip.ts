import { FileFormatError } from './errors.js';

/** Whether bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Gunzips with the platform's DecompressionStream (Node 18+, browsers, Deno, workerd).
 * A truncated stream or a bad trailer is a FileFormatError (an InvalidInputError) naming `what`.
 */
export async function gunzip(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new FileFormatError(what, gzipReason(e));
  }
}

/** A readable reason for a zlib failure. */
function gzipReason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  if (/incorrect data check/i.test(msg)) return 'bad gzip trailer: the CRC-32 does not match the decompressed data (corrupt file)';
  if (/incorrect length check/i.test(msg)) return 'bad gzip trailer: the stored length does not match the decompressed data (corrupt file)';
  if (/unexpected end of file/i.test(msg)) return 'truncated gzip stream: the file ends before the compressed data and trailer are complete';
  if (/incorrect header check|unknown compression method/i.test(msg)) return `not a gzip stream (${msg})`;
  return `invalid gzip stream (${msg})`;
}
