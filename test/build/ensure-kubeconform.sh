#!/usr/bin/env bash
# Build (once) kubeconform from the Go module proxy into the cache; idempotent.
#   bash test/build/ensure-kubeconform.sh        -> prints the binary path on stdout
# kubeconform is the anchor of the built-in kinds' validation (test/kubeconform/kubeconform.test.ts):
# the test runs it with -strict on the corpus and compares its findings with ours. Its go.mod has
# no replace directive, so `go install module@version` builds it as released. Nothing is written
# to the repository.
set -euo pipefail

KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
CACHE="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
BIN="$CACHE/bin/kubeconform-$KUBECONFORM_VERSION"
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export PATH="/usr/local/go/bin:$PATH"

log() { printf '[kubeconform %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x $BIN ]]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: go is not installed (needed to build kubeconform)"; exit 1; }

mkdir -p "$CACHE/bin" "$CACHE/buildlogs"
exec 9>"$CACHE/kubeconform.lock"
flock 9
if [[ -x $BIN ]]; then echo "$BIN"; exit 0; fi

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
buildlog="$CACHE/buildlogs/kubeconform-$KUBECONFORM_VERSION.log"
log "building kubeconform $KUBECONFORM_VERSION (first time only, about a minute; log: $buildlog)"
start=$(date +%s)
if ! GOBIN="$work" go install -trimpath -ldflags "-s -w" \
      "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" >"$buildlog" 2>&1; then
  tail -n 30 "$buildlog" >&2
  log "ERROR: building kubeconform $KUBECONFORM_VERSION failed; see $buildlog"
  exit 1
fi
mv -f "$work/kubeconform" "$BIN"
log "built in $(($(date +%s) - start))s: $BIN"
echo "$BIN"
