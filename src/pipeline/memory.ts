import { loadedModules } from '../init.js';
import { hdf5HeapBytes } from '../io/hdf5.js';

/** Peak memory seen by a MemoryTracker, in bytes. */
export interface MemoryPeak {
  /** Resident set size of the process (Node; 0 elsewhere). */
  rss: number;
  /** JavaScript ArrayBuffers outside the wasm heaps (Node; 0 elsewhere). */
  arrayBuffers: number;
  /** Sum of the loaded kernel modules' heaps (a wasm heap never shrinks: its size is its peak). */
  wasmHeap: number;
  /** h5wasm's heap (HDF5 reads and writes; 0 when no file was opened). */
  hdf5Heap: number;
}

/** Samples memory when asked (at every block and step); keeps the maxima. */
export class MemoryTracker {
  readonly peak: MemoryPeak = { rss: 0, arrayBuffers: 0, wasmHeap: 0, hdf5Heap: 0 };
  /** The same at construction, for the increase. */
  readonly start: MemoryPeak;

  constructor() {
    this.start = MemoryTracker.now();
    this.sample();
  }

  /** Current memory. */
  static now(): MemoryPeak {
    const proc = (globalThis as { process?: { memoryUsage?: () => { rss: number; arrayBuffers: number } } }).process;
    const mu = proc?.memoryUsage?.();
    const wasmHeap = loadedModules().reduce((s, m) => s + m.heapBytes, 0);
    return { rss: mu?.rss ?? 0, arrayBuffers: mu?.arrayBuffers ?? 0, wasmHeap, hdf5Heap: hdf5HeapBytes() };
  }

  sample(): void {
    const n = MemoryTracker.now();
    this.peak.rss = Math.max(this.peak.rss, n.rss);
    this.peak.arrayBuffers = Math.max(this.peak.arrayBuffers, n.arrayBuffers);
    this.peak.wasmHeap = Math.max(this.peak.wasmHeap, n.wasmHeap);
    this.peak.hdf5Heap = Math.max(this.peak.hdf5Heap, n.hdf5Heap);
  }
}

/** "123.4 MiB". */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
