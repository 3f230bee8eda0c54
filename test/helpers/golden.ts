/**
 * Reader of the golden fixtures written by bench/reference/make_reference.py from real scanpy
 * (format: bench/reference/README.md): test/fixtures/golden/<dataset>/manifest.json plus one
 * raw little-endian file per array.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

export interface GoldenArrayMeta {
  name: string;
  file: string;
  dtype: 'f64' | 'f32' | 'i32' | 'u8';
  shape: number[];
  call: string;
  call_id?: string;
  description?: string;
}

export interface Golden {
  /** The whole manifest (provenance, parameters of each call, dataset facts). */
  manifest: Record<string, unknown> & { arrays: GoldenArrayMeta[]; calls?: Record<string, unknown> };
  /** Names of all arrays. */
  names(): string[];
  has(name: string): boolean;
  meta(name: string): GoldenArrayMeta;
  /** The array as stored (Float64Array, Float32Array, Int32Array or Uint8Array). */
  get(name: string): Float64Array | Float32Array | Int32Array | Uint8Array;
  /** The array converted to float64 numbers. */
  f64(name: string): Float64Array;
}

const cache = new Map<string, Golden>();

/** Golden fixtures of a dataset (`mouse10k` or `tiny10x`; `spatial`: bench/reference/make_spatial_reference.py). */
export function golden(dataset: 'mouse10k' | 'tiny10x' | 'spatial'): Golden {
  const hit = cache.get(dataset);
  if (hit) return hit;
  const manifest = JSON.parse(readFileSync(`${DIR}${dataset}/manifest.json`, 'utf8')) as Golden['manifest'];
  const byName = new Map(manifest.arrays.map((a) => [a.name, a]));
  const meta = (name: string) => {
    const m = byName.get(name);
    if (!m) throw new Error(`golden ${dataset}: no array "${name}" (have: ${[...byName.keys()].join(', ')})`);
    return m;
  };
  const get = (name: string) => {
    const m = meta(name);
    const b = readFileSync(`${DIR}${dataset}/${m.file}`);
    const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    switch (m.dtype) {
      case 'f64':
        return new Float64Array(buf);
      case 'f32':
        return new Float32Array(buf);
      case 'i32':
        return new Int32Array(buf);
      case 'u8':
        return new Uint8Array(buf);
    }
  };
  const g: Golden = {
    manifest,
    names: () => [...byName.keys()],
    has: (n) => byName.has(n),
    meta,
    get,
    f64: (n) => Float64Array.from(get(n)),
  };
  cache.set(dataset, g);
  return g;
}
