#!/usr/bin/env node
/** The dazn-cache command's entry (bundled to dist/manage/index.js, package.json's bin). */
import { runCli } from './cli';

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dazn-cache: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
