#!/usr/bin/env bash
# Restart kube-apiserver (and etcd with --etcd) of a running test cluster, with the same command
# lines, ports and data, for fault tests: watches break and must resume. Options:
#   --etcd          restart etcd too (its data is kept)
#   --compact       compact etcd to its current revision while kube-apiserver is down, so watches
#                   that resume from an older resourceVersion get 410 Gone
#   --down SECONDS  stay down this long before starting again (default 0)
#   --etcd-delete KEY  delete this etcd key while kube-apiserver is down (repeatable), e.g.
#                   /registry/kustomize.toolkit.fluxcd.io/kustomizations/flux-system/apps: an
#                   object deleted while every watch is cut
# Environment: FLUX_WORKBENCH_CLUSTER_DIR (the state folder, as for up.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WITH_ETCD= COMPACT= DOWN=0 DELETE=()
while (($#)); do
  case $1 in
    --etcd) WITH_ETCD=1 ;;
    --compact) COMPACT=1 ;;
    --down) DOWN=$2; shift ;;
    --etcd-delete) DELETE+=("$2"); shift ;;
    *) die "restart.sh: unknown option $1" ;;
  esac
  shift
done
PIDS="$STATE/pids" LOGS="$STATE/logs"
[[ -f $STATE/ports.env ]] || die "no cluster in $STATE"
# shellcheck disable=SC1091
source "$STATE/ports.env"

cmdline_of() { # name -> NUL-separated command line in $STATE/pids/name.cmdline
  local pid
  pid=$(cat "$PIDS/$1.pid") && pid_alive "$pid" || die "$1 is not running"
  cp "/proc/$pid/cmdline" "$PIDS/$1.cmdline"
}
stop_one() {
  local pid
  pid=$(cat "$PIDS/$1.pid")
  # SIGTERM, then SIGKILL after 5 s (kube-apiserver's graceful shutdown waits on open watches).
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pid_alive "$pid" || return 0; sleep 0.1; done
  die "$1 (pid $pid) did not stop"
}
start_one() {
  local -a argv
  mapfile -d '' argv <"$PIDS/$1.cmdline"
  setsid "${argv[@]}" >>"$LOGS/$1.log" 2>&1 </dev/null &
  echo "$!" >"$PIDS/$1.pid"
}
wait_for() { # what command...
  local what=$1; shift
  for _ in $(seq 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$what not ready after 60 s"
}

cmdline_of kube-apiserver
[[ -n $WITH_ETCD ]] && cmdline_of etcd
log "stopping kube-apiserver${WITH_ETCD:+ and etcd}"
stop_one kube-apiserver
[[ -n $WITH_ETCD ]] && stop_one etcd
sleep "$DOWN"
if [[ -n $WITH_ETCD ]]; then
  start_one etcd
  wait_for etcd curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
fi
for key in "${DELETE[@]}"; do
  b64=$(printf '%s' "$key" | base64 -w0)
  out=$(curl -sf --max-time 5 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/deleterange" -d "{\"key\":\"$b64\"}") ||
    die "deleting $key in etcd failed"
  [[ $out == *'"deleted":"1"'* ]] || die "etcd had no key $key ($out)"
  log "deleted $key in etcd"
done
if [[ -n $COMPACT ]]; then
  rev=$(curl -sf --max-time 5 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" -d '{"key":"AA=="}' |
    sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p')
  [[ -n $rev ]] || die "could not read etcd's revision"
  curl -sf --max-time 30 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/compaction" \
    -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null || die "etcd compaction failed"
  log "compacted etcd to revision $rev"
fi
start_one kube-apiserver
wait_for kube-apiserver curl -sf --max-time 2 --cacert "$STATE/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$KAS_PORT/readyz"
log "kube-apiserver${WITH_ETCD:+ and etcd} restarted"
