/**
 * Prints the plain closing line CI reads: "N passed, N failed, N skipped".
 * Unhandled errors (an 'error' event nobody heard, a stray rejection) fail
 * the run even when every test passed, so they count as failures here too.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed += 1;
    }
    const errors = unhandledErrors.length;
    if (errors > 0) process.stdout.write(`\n${errors} unhandled error(s) outside any test: counted as failed\n`);
    process.stdout.write(`\n${passed} passed, ${failed + errors} failed, ${skipped} skipped\n`);
  }
}
