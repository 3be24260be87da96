# shellcheck shell=bash
# Shared settings and helpers for the test cluster scripts (sourced, not run).

set -euo pipefail
# No job control: background children are then never process-group leaders, so `setsid`
# (used to detach the cluster processes) execs in place and $! is their real PID.
set +m

CLUSTER_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$CLUSTER_SRC/../.." && pwd)"

# Where built binaries are cached (shared by sessions and CI on the same machine).
CACHE="${FLUX_WORKBENCH_CACHE:-$HOME/.cache/flux-workbench}"
# Where a running cluster keeps its state, certificates, logs and PIDs.
STATE="${FLUX_WORKBENCH_CLUSTER_DIR:-/tmp/flux-workbench-cluster}"
# Flux CRDs, read in place (never copied into the repository).
FLUX_CRDS_DIR="${FLUX_CRDS_DIR:-$REPO/../shared/flux-crds}"

export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export PATH="/usr/local/go/bin:$PATH"
# Part of each binary's cache key; computed once and inherited by child scripts.
if [[ -z ${GO_VERSION:-} ]]; then GO_VERSION=$(go env GOVERSION 2>/dev/null || echo none); fi
export GO_VERSION

# Components: name | main package | version. Versions: Kubernetes 1.36.3; Flux controllers as
# pinned by Flux v2.9.4 (see ../shared/flux-crds/VERSIONS.md).
KUBE_VERSION=v1.36.3
# The Flux release these controllers belong to (the CRDs are labelled with it).
FLUX_VERSION=v2.9.4
COMPONENTS=(
  "kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver|$KUBE_VERSION"
  "source-controller|github.com/fluxcd/source-controller|v1.9.4"
  "kustomize-controller|github.com/fluxcd/kustomize-controller|v1.9.4"
  "helm-controller|github.com/fluxcd/helm-controller|v1.6.3"
  "notification-controller|github.com/fluxcd/notification-controller|v1.9.3"
)

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[cluster %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# component_field NAME INDEX -> field of the COMPONENTS entry
component_field() {
  local c
  for c in "${COMPONENTS[@]}"; do
    IFS='|' read -r n p v <<<"$c"
    if [[ $n == "$1" ]]; then
      case $2 in pkg) echo "$p" ;; version) echo "$v" ;; esac
      return 0
    fi
  done
  return 1
}

# Cache key: component version + hash of its wrapper go.mod/go.sum + Go version, so a change of
# any pin (or of the toolchain) builds a new binary instead of reusing a stale one.
binary_path() {
  local name=$1 version key
  version=$(component_field "$name" version)
  key=$( { cat "$CLUSTER_SRC/go/$name/go.mod" "$CLUSTER_SRC/go/$name/go.sum"; echo "$GO_VERSION"; } | sha256sum | cut -c1-10)
  echo "$CACHE/bin/$name-$version-$key"
}

need_cmd() { command -v "$1" >/dev/null 2>&1; }

# Install the Debian packages the harness needs, only when something is missing.
ensure_apt_deps() {
  local missing=()
  need_cmd etcd || missing+=(etcd-server)
  need_cmd git || missing+=(git)
  need_cmd openssl || missing+=(openssl)
  need_cmd curl || missing+=(curl)
  [[ -x /usr/lib/git-core/git-http-backend ]] || missing+=(git)
  if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing commands (${missing[*]}); install the Debian packages as root: apt-get install -y ${missing[*]}"
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
    # Debian's package may start its own etcd service (only where an init system runs): stop it.
    if command -v service >/dev/null 2>&1; then service etcd stop >/dev/null 2>&1 || true; fi
  fi
  need_cmd go || die "Go is needed (>= 1.26.0, found none on PATH; expected /usr/local/go/bin/go)"
  need_cmd kubectl || die "kubectl is needed on PATH"
  need_cmd node || die "node is needed on PATH"
}

# A free TCP port on 127.0.0.1.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# N distinct free TCP ports on 127.0.0.1 (all held open at once, then released), space-separated.
free_ports() {
  node -e '
    const net = require("net"); const n = Number(process.argv[1]); const servers = [];
    let done = 0;
    for (let i = 0; i < n; i++) {
      const s = net.createServer(); servers.push(s);
      s.listen(0, "127.0.0.1", () => { if (++done === n) {
        console.log(servers.map((x) => x.address().port).join(" "));
        servers.forEach((x) => x.close()); } });
    }' "$1"
}
