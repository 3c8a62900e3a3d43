#!/usr/bin/env node
/**
 * Starts the fake GitHub as a process (see fake-github-cli.ts for its settings) without a build step:
 * `.ts` files are transpiled on require with the repository's own TypeScript (no type check; the
 * sources are type-checked by tsc with the rest of the tests).
 *
 *   node scaler/test/support/fake-github-cli.js > fakegh.json &
 */
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  module._compile(outputText, filename);
};

require('./fake-github-cli.ts');
