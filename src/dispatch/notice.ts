/** One-time notices of the dispatcher (fallbacks, untrusted backends), on console.warn. */
const shown = new Set<string>();

/** Prints `message` once per `key` for the life of the process; returns whether it printed. */
export function noticeOnce(key: string, message: string): boolean {
  if (shown.has(key)) return false;
  shown.add(key);
  console.warn(`[cellkernels] ${message}`);
  return true;
}

/** Forgets which notices were shown (for tests). */
export function resetNotices(): void {
  shown.clear();
}
