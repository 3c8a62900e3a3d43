#!/usr/bin/env bash
# Builds the broker's Lambda bundle with ncc (it turns the ESM-only jose and octokit packages into one
# CommonJS file): dist/index.js, exporting `handler`.
set -Eeuo pipefail
cd "$(dirname "$0")"
rm -f dist/index.js dist/licenses.txt
# --target es2022: Node 20 and later (the Lambda runtime); not minified, so stack traces in
# CloudWatch stay readable.
timeout 300 npx ncc build src/index.ts -o dist --license licenses.txt --quiet --target es2022
