// Reads vitest's JSON report and prints the closing line "N passed, N failed[, N skipped]".
// A test file that failed to load (no test ran in it) counts as one failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
let r;
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`no test report at ${file}: ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// Checks run outside vitest (the golden-fixture regeneration) add their own counts.
const extraPassed = Number(process.env.CK_EXTRA_PASSED ?? 0);
const extraFailed = Number(process.env.CK_EXTRA_FAILED ?? 0);
const passed = (r.numPassedTests ?? 0) + extraPassed;
const brokenFiles = (r.testResults ?? []).filter(
  (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
const failed = (r.numFailedTests ?? 0) + brokenFiles + extraFailed;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (passed === 0 || failed > 0) process.exit(1);
