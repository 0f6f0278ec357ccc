// Prints the plain summary line of a test run, `N passed, M failed[, K skipped]`, from the
// JSON report vitest writes (see vitest.config.ts). A test file that failed to load counts as
// one failure, so a broken file cannot disappear from the totals.
import { existsSync, readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'test-results/results.json'
if (!existsSync(file)) {
  console.log('0 passed, 0 failed')
  process.exit(1)
}
const report = JSON.parse(readFileSync(file, 'utf8'))
const passed = report.numPassedTests
const skipped = report.numPendingTests + report.numTodoTests
const brokenFiles = report.testResults.filter(
  (result) =>
    result.status === 'failed' &&
    !result.assertionResults.some((assertion) => assertion.status === 'failed')
).length
const failed = report.numFailedTests + brokenFiles
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
