#!/usr/bin/env bash
# GitOps tests evaluate the Kyverno policies' CEL with cel-js (pinned in tests/GitOps/Cel/package-lock.json) on the
# machine's Node.js. Installs it from the lock file; the tests do the same when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the CEL policy tests will be ignored (the C# twins still run)."
  exit 0
fi
npm ci --prefix tests/GitOps/Cel --no-audit --no-fund --loglevel=error
