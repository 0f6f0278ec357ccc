// Prints the plain summary line of test runs, `N passed, M failed[, K skipped]`, from the JSON
// reports vitest writes (see vitest.config.ts). Each argument is a report, `label=file` to
// print a line of that run's own counts first; the last line sums them all. A test file that
// failed to load counts as one failure, and so does a missing report, so a broken file or run
// cannot disappear from the totals.
import { existsSync, readFileSync } from 'node:fs'

const runs = (process.argv.length > 2 ? process.argv.slice(2) : ['test-results/results.json']).map(
  (argument) => {
    const at = argument.indexOf('=')
    return at < 0
      ? { label: undefined, file: argument }
      : { label: argument.slice(0, at), file: argument.slice(at + 1) }
  }
)

/** Counts of one report; a missing report is one failure. */
function counts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, missing: true }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const brokenFiles = report.testResults.filter(
    (result) =>
      result.status === 'failed' &&
      !result.assertionResults.some((assertion) => assertion.status === 'failed')
  ).length
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
    missing: false,
  }
}

const line = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`

const total = { passed: 0, failed: 0, skipped: 0 }
let missing = false
for (const { label, file } of runs) {
  const run = counts(file)
  missing ||= run.missing
  total.passed += run.passed
  total.failed += run.failed
  total.skipped += run.skipped
  if (label !== undefined) {
    console.log(`${label}: ${run.missing ? `no report (${file})` : line(run)}`)
  }
}
console.log(line(total))
if (missing) process.exit(1)
