#!/usr/bin/env bash
# Stop every process the test cluster started, by the PIDs up.sh recorded; leaves nothing running.
# Keeps $STATE (logs, certificates) for inspection; `down.sh --purge` removes it too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDS="$STATE/pids"
[[ -d $STATE ]] || { log "nothing to stop ($STATE does not exist)"; exit 0; }
# Same lock as up.sh, unless up.sh (holding it) runs this script.
if [[ ${FLUX_WORKBENCH_CLUSTER_LOCKED:-} != "$STATE" ]]; then
  exec 8>"$STATE/.lock"
  flock 8
fi
# Reverse of the start order: controllers first, etcd last.
ORDER=(helm-controller kustomize-controller source-controller notification-controller git-server kube-apiserver etcd)

ours() { # pid exe-marker: true when the PID is alive and still runs the program we started
  local pid=$1 exe=$2
  pid_alive "$pid" || return 1
  [[ -z $exe ]] && return 0
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$exe"
}

stopping=()
for name in "${ORDER[@]}"; do
  f="$PIDS/$name.pid"
  [[ -f $f ]] || continue
  pid=$(cat "$f")
  exe=$(cat "$PIDS/$name.exe" 2>/dev/null || true)
  if ours "$pid" "$exe"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    stopping+=("$name:$pid:$exe")
  else
    rm -f "$f" "$PIDS/$name.exe"
  fi
done

# Alive and not a zombie (an exited process its new parent has not reaped yet).
running() {
  pid_alive "$1" || return 1
  local state
  state=$( { awk '{print $3}' "/proc/$1/stat"; } 2>/dev/null) || return 1
  [[ $state != Z ]]
}

deadline=$(($(date +%s) + 20))
for entry in "${stopping[@]}"; do
  IFS=: read -r name pid exe <<<"$entry"
  # Once signalled, wait on the PID itself (its cmdline empties while it exits).
  while running "$pid" && (($(date +%s) < deadline)); do sleep 0.1; done
  if running "$pid" && ours "$pid" "$exe"; then
    log "$name (pid $pid) did not stop after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
  fi
  running "$pid" && die "$name (pid $pid) is still running"
  rm -f "$PIDS/$name.pid" "$PIDS/$name.exe"
done

if [[ ${1:-} == --purge ]]; then
  rm -rf "$STATE"
  log "removed $STATE"
fi
log "cluster stopped"
