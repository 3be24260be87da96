#!/usr/bin/env bash
# Try Flux Workbench in a real VS Code in your browser:   npm run demo
#
# From a fresh clone this installs what it needs (npm ci; Node 24, code-server and Chromium's
# packages through test/e2e/setup.sh, cached under ~/.cache/flux-workbench), builds and packages
# the extension, installs it into a code-server profile under the cache, starts the local test
# cluster (test/cluster: kube-apiserver, etcd and the Flux controllers on 127.0.0.1) when it can,
# which reconciles examples/flux-repo from its own Git server, and opens a clone of that repository
# (so the files and the Flux views match, and a push reaches the cluster) on
# http://127.0.0.1:${DEMO_PORT:-8080}/ until you press Ctrl+C, which also stops the cluster. When
# the cluster cannot start it says why and opens a copy of examples/flux-repo made a Git repository
# with one commit (the repository itself is never modified).
#
# Environment:
#   DEMO_PORT=8080                  port on 127.0.0.1
#   DEMO_STATE_DIR=<cache>/demo     code-server user data + extensions (kept between runs)
#   DEMO_SKIP_PACKAGE=1             reuse an existing ./flux-workbench.vsix
#   DEMO_VSIX=<file>                install that .vsix instead of building one
#   DEMO_KEEP_WORKDIR=1             keep the temporary copy of the example repository on exit
#   DEMO_CLUSTER=0                  do not start the local test cluster
#   DEMO_CLUSTER_BUILD=1            build the cluster's binaries when missing (about 40 min once)
#   DEMO_KEEP_CLUSTER=1             leave the cluster running on exit (state: <DEMO_STATE_DIR>/cluster)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# `npm run demo` runs this under npm: behave the same as `bash examples/demo.sh` by hand.
source "$REPO/test/lib/npm-env.sh"
CACHE_ROOT="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
E2E_CACHE="$CACHE_ROOT/e2e"
STATE="${DEMO_STATE_DIR:-$CACHE_ROOT/demo}"
PORT="${DEMO_PORT:-8080}"
NODE24="$E2E_CACHE/node24/bin/node"
CS_ENTRY="$E2E_CACHE/code-server/node_modules/code-server/out/node/entry.js"
VSIX="${DEMO_VSIX:-$REPO/flux-workbench.vsix}"

say() { printf '[demo] %s\n' "$*"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_busy "$PORT"; then
  say "port $PORT on 127.0.0.1 is already in use; choose another with DEMO_PORT=<port>"
  exit 1
fi

cd "$REPO"
if [ ! -d node_modules ]; then
  say "installing the repository's dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

say "provisioning code-server (test/e2e/setup.sh; minutes the first time, seconds afterwards)"
bash "$REPO/test/e2e/setup.sh"

if { [ "${DEMO_SKIP_PACKAGE:-}" = 1 ] || [ -n "${DEMO_VSIX:-}" ]; } && [ -f "$VSIX" ]; then
  say "reusing $VSIX"
else
  say "building and packaging the extension (npm run package)"
  npm run --silent package
fi
[ -f "$VSIX" ] || { say "npm run package did not produce $VSIX"; exit 1; }

mkdir -p "$STATE/user-data/User" "$STATE/extensions"
CONFIG="$STATE/code-server.yaml"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$CONFIG"
if [ ! -f "$STATE/user-data/User/settings.json" ]; then
  cat >"$STATE/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.enableExperiments": false,
  "chat.disableAIFeatures": true,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "telemetry.telemetryLevel": "off",
  "git.enabled": false
}
JSON
fi

export PATH="$(dirname "$NODE24"):$PATH"
say "installing the extension into $STATE/extensions"
"$NODE24" "$CS_ENTRY" --config "$CONFIG" --user-data-dir "$STATE/user-data" \
  --extensions-dir "$STATE/extensions" --install-extension "$VSIX" --force | tail -1

WORK=""
CS_PID=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$CS_PID" ]; then
    kill -TERM -- "-$CS_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 -- "-$CS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$CS_PID" 2>/dev/null || true
  fi
  if [ -z "$WORK" ]; then :; elif [ "${DEMO_KEEP_WORKDIR:-}" = 1 ]; then say "kept $WORK/flux-repo"; else rm -rf "$WORK"; fi
  if [ -n "$CLUSTER_STARTED" ]; then
    if [ "${DEMO_KEEP_CLUSTER:-}" = 1 ]; then
      say "the cluster keeps running (stop it: FLUX_WORKBENCH_CLUSTER_DIR=$CLUSTER_STATE npm run cluster:down)"
    else
      FLUX_WORKBENCH_CLUSTER_DIR="$CLUSTER_STATE" bash "$REPO/test/cluster/down.sh" >/dev/null 2>&1 || true
    fi
  fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CLUSTER_STATE="$STATE/cluster"
CLUSTER_STARTED=""
GIT_URL=""
if [ "${DEMO_CLUSTER:-1}" != 0 ]; then
  # Output to a file, not a pipe: the cluster's processes outlive up.sh.
  say "starting the local cluster (test/cluster/up.sh; log: $STATE/cluster-up.log)"
  build=never
  [ "${DEMO_CLUSTER_BUILD:-}" = 1 ] && build=
  CLUSTER_STARTED=1 # from here on, exiting stops whatever up.sh started
  if FLUX_WORKBENCH_CLUSTER_DIR="$CLUSTER_STATE" CLUSTER_BUILD="$build" \
    bash "$REPO/test/cluster/up.sh" >"$STATE/cluster-up.log" 2>&1 </dev/null; then
    GIT_URL="$(sed -n 's/^GIT_URL=//p' "$CLUSTER_STATE/cluster.env")"
    export KUBECONFIG="$CLUSTER_STATE/kubeconfig:$CLUSTER_STATE/kubeconfig-team-a"
    say "cluster up in $CLUSTER_STATE: it reconciles examples/flux-repo from $GIT_URL (KUBECONFIG=$KUBECONFIG)"
  else
    why="$(grep -h 'ERROR:' "$STATE/cluster-up.log" | tail -1)"
    say "no cluster: ${why:-test/cluster/up.sh failed (see $STATE/cluster-up.log)}"
    [ "${DEMO_CLUSTER_BUILD:-}" = 1 ] || say "(DEMO_CLUSTER_BUILD=1 builds what is missing; DEMO_CLUSTER=0 skips the cluster)"
    say "continuing without a cluster: the Flux views will show no live objects"
    FLUX_WORKBENCH_CLUSTER_DIR="$CLUSTER_STATE" bash "$REPO/test/cluster/down.sh" >/dev/null 2>&1 || true
    CLUSTER_STARTED=""
  fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flux-workbench-demo.XXXXXX")"
if [ -n "$GIT_URL" ]; then
  # The repository the cluster reconciles: commit and push here, and the cluster follows.
  git clone -q "$GIT_URL" "$WORK/flux-repo"
  git -C "$WORK/flux-repo" config user.name "Flux Workbench demo"
  git -C "$WORK/flux-repo" config user.email demo@flux-workbench.invalid
elif cp -R "$REPO/examples/flux-repo" "$WORK/flux-repo" && command -v git >/dev/null 2>&1; then
  # "Diff Build with HEAD" compares with the last commit: the copy is a Git repository with one.
  git -C "$WORK/flux-repo" -c init.defaultBranch=main init -q
  git -C "$WORK/flux-repo" add -A
  git -C "$WORK/flux-repo" -c user.name="Flux Workbench demo" -c user.email=demo@flux-workbench.invalid \
    -c commit.gpgsign=false commit -q -m "Example Flux repository"
else
  say "git is not installed: the example is not a Git repository, so Diff Build with HEAD has nothing to compare with"
fi


# code-server in its own process group (setsid), so cleanup reaches its extension host and the
# language server too. Workspace trust is off: the folder is our own example, copied fresh.
setsid "$NODE24" "$CS_ENTRY" --config "$CONFIG" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" \
  "$WORK/flux-repo" >"$STATE/code-server.log" 2>&1 &
CS_PID=$!

for _ in $(seq 300); do
  if ! kill -0 "$CS_PID" 2>/dev/null; then
    say "code-server exited; last lines of $STATE/code-server.log:"
    tail -20 "$STATE/code-server.log"
    exit 1
  fi
  if port_busy "$PORT"; then break; fi
  sleep 0.2
done
port_busy "$PORT" || { say "code-server did not listen on $PORT within 60 s"; exit 1; }

if [ -n "$GIT_URL" ]; then
  say "example repository (a clone of what the cluster reconciles, so git push reaches it; a temporary copy): $WORK/flux-repo"
else
  say "example repository (a temporary copy): $WORK/flux-repo"
fi
say "code-server log: $STATE/code-server.log"
say "Flux Workbench demo is running: http://127.0.0.1:$PORT/"
say "open it in a browser (from another machine: ssh -L $PORT:127.0.0.1:$PORT <host>); Ctrl+C stops it"
wait "$CS_PID" || true
