/** Prints specs passed / failed per backend (the top-level describe of each suite) after a run. */
class BackendSummaryReporter {
  onRunComplete(_contexts, results) {
    const rows = new Map();
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        const title = t.ancestorTitles[0] || '(none)';
        const backend = /^\[([^\]]+)\]/.exec(title)?.[1] ?? title;
        const row = rows.get(backend) || { passed: 0, failed: 0, skipped: 0 };
        if (t.status === 'passed') row.passed++;
        else if (t.status === 'failed') row.failed++;
        else row.skipped++;
        rows.set(backend, row);
      }
      if (file.testExecError) {
        const row = rows.get('(load errors)') || { passed: 0, failed: 0, skipped: 0 };
        row.failed++;
        rows.set('(load errors)', row);
      }
    }
    const lines = ['', 'Specs per backend:'];
    for (const [backend, r] of [...rows].sort()) {
      lines.push(
        `  ${backend.padEnd(12)} ${String(r.passed).padStart(4)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped).padStart(3)} skipped`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n\n');
  }
}
module.exports = BackendSummaryReporter;
