#!/usr/bin/env bash
# Stop every process the test cluster started, by the PIDs up.sh recorded; leaves nothing running.
# Keeps $STATE (logs, certificates) for inspection; `down.sh --purge` removes it too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDS="$STATE/pids"
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

deadline=$(($(date +%s) + 20))
for entry in "${stopping[@]}"; do
  IFS=: read -r name pid exe <<<"$entry"
  while ours "$pid" "$exe" && (($(date +%s) < deadline)); do sleep 0.1; done
  if ours "$pid" "$exe"; then
    log "$name (pid $pid) did not stop after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do ours "$pid" "$exe" || break; sleep 0.1; done
  fi
  ours "$pid" "$exe" && die "$name (pid $pid) is still running"
  rm -f "$PIDS/$name.pid" "$PIDS/$name.exe"
done

if [[ ${1:-} == --purge ]]; then
  rm -rf "$STATE"
  log "removed $STATE"
fi
log "cluster stopped"
