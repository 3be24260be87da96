#!/usr/bin/env bash
# Build (once) the real flux CLI v2.9.4 from the Go module proxy into the cache; idempotent.
#   bash test/build/ensure-flux-cli.sh        -> prints the binary path on stdout
# Why a wrapper module: flux2's go.mod has a replace directive (gopkg.in/yaml.v3), so
# `go install github.com/fluxcd/flux2/v2/cmd/flux@v2.9.4` refuses it. A throwaway module that
# requires flux2 and repeats that replace builds the same code. Nothing is written to the repo.
set -euo pipefail

FLUX_VERSION="${FLUX_VERSION:-v2.9.4}"
CACHE="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
BIN="$CACHE/bin/flux-$FLUX_VERSION"
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export PATH="/usr/local/go/bin:$PATH"

log() { printf '[flux-cli %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x $BIN ]]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: go is not installed (needed to build the flux CLI)"; exit 1; }

mkdir -p "$CACHE/bin" "$CACHE/buildlogs"
exec 9>"$CACHE/flux-cli.lock"
flock 9
if [[ -x $BIN ]]; then echo "$BIN"; exit 0; fi

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# Step 1: fetch flux2 itself through the module proxy (a throwaway module that requires it).
mkdir -p "$work/fetch"
cat >"$work/fetch/go.mod" <<MOD
module fluxworkbench.local/fetch

go 1.26.0

require github.com/fluxcd/flux2/v2 $FLUX_VERSION
MOD
src="$(cd "$work/fetch" && go mod download -json "github.com/fluxcd/flux2/v2@$FLUX_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[[ -d $src/cmd/flux ]] || { log "ERROR: could not download github.com/fluxcd/flux2/v2@$FLUX_VERSION"; exit 1; }
# Step 2: a writable copy. cmd/flux embeds manifests/*.yaml, which flux's Makefile generates
# (`flux install` manifests) and the module zip does not contain; `go build` fails with
# "pattern manifests/*.yaml: no matching files found". A placeholder satisfies the embed; only
# `flux install`/`bootstrap` read it, never `flux build`.
cp -r "$src" "$work/flux2"
chmod -R u+w "$work/flux2"
mkdir -p "$work/flux2/cmd/flux/manifests"
printf '# placeholder: built by flux-workbench test/build/ensure-flux-cli.sh, install manifests not embedded\n' \
  >"$work/flux2/cmd/flux/manifests/placeholder.yaml"
# Step 3: the wrapper module builds the copy with flux2's own dependency versions.
mkdir -p "$work/wrap"
cat >"$work/wrap/go.mod" <<MOD
module fluxworkbench.local/fluxcli

go 1.26.0

require github.com/fluxcd/flux2/v2 $FLUX_VERSION

replace github.com/fluxcd/flux2/v2 => ../flux2

// Same as flux2's own go.mod (a version pin, not a path).
replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
MOD
cat >"$work/wrap/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/fluxcd/flux2/v2/cmd/flux"
GO
buildlog="$CACHE/buildlogs/flux-$FLUX_VERSION.log"
log "building flux $FLUX_VERSION (first time only, several minutes on 2 cores; log: $buildlog)"
start=$(date +%s)
if ! (cd "$work/wrap" && go mod tidy -e >"$buildlog" 2>&1 &&
      go build -p 2 -trimpath -ldflags "-s -w -X main.VERSION=${FLUX_VERSION#v}" \
        -o "$BIN.tmp.$$" github.com/fluxcd/flux2/v2/cmd/flux >>"$buildlog" 2>&1); then
  rm -f "$BIN.tmp.$$"
  tail -n 30 "$buildlog" >&2
  log "ERROR: building flux $FLUX_VERSION failed; see $buildlog"
  exit 1
fi
mv -f "$BIN.tmp.$$" "$BIN"
log "built in $(($(date +%s) - start))s: $BIN"
echo "$BIN"
