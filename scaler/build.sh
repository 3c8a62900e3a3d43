#!/usr/bin/env bash
# Builds the scaler's two Lambda bundles with ncc (it turns the ESM-only octokit packages into one
# CommonJS file): dist/webhook/index.js and dist/reconciler/index.js, each exporting `handler`.
set -Eeuo pipefail
cd "$(dirname "$0")"
for entry in webhook reconciler; do
  rm -rf "dist/${entry}"
  # --target es2022: Node 20 and later (the Lambda runtime); the bundle is minified-free so
  # stack traces in CloudWatch stay readable.
  timeout 300 npx ncc build "src/handlers/${entry}.ts" -o "dist/${entry}" --license licenses.txt --quiet --target es2022
done
