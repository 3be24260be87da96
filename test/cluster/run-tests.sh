#!/usr/bin/env bash
# `npm run test:cluster`: the harness's own tests (test/cluster/*.test.mjs, any Node), then the live
# engine's tests (test/out/cluster/**/*.test.js, built by `node esbuild.mjs --tests`) on Node >= 22.19,
# which @kubernetes/client-node 2.0 needs (installed into the cache by ensure-node24.sh).
# Extra arguments go to both runs of node --test (e.g. --test-reporter=tap).
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
node --test "$@" test/cluster/ || rc=1
if [[ -d test/out/cluster ]]; then
  node24=$(bash test/build/ensure-node24.sh) || { echo "cannot get Node >= 22.19 for the engine's cluster tests" >&2; exit 1; }
  "$node24" --test "$@" "test/out/cluster/**/*.test.js" || rc=1
else
  echo "test/out/cluster is missing: run node esbuild.mjs --tests first" >&2
  rc=1
fi
exit $rc
