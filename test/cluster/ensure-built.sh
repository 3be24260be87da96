#!/usr/bin/env bash
# Build (once) every binary the test cluster needs into the cache; idempotent.
#   bash test/cluster/ensure-built.sh [component...]
# Installs missing Debian packages (etcd-server, git, openssl, curl) first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_deps

want=("$@")
if ((${#want[@]} == 0)); then
  for c in "${COMPONENTS[@]}"; do want+=("${c%%|*}"); done
fi

mkdir -p "$CACHE/bin" "$CACHE/buildlogs"
all_cached=1
for name in "${want[@]}"; do
  component_field "$name" pkg >/dev/null || die "unknown component '$name'"
  [[ -x $(binary_path "$name") ]] || all_cached=0
done
if ((all_cached)); then
  log "cached: ${want[*]}"
  exit 0
fi
# One build at a time, also across concurrent callers (CI step and up.sh, say).
exec 9>"$CACHE/build.lock"
flock 9

for name in "${want[@]}"; do
  pkg=$(component_field "$name" pkg) || die "unknown component '$name'"
  version=$(component_field "$name" version)
  bin=$(binary_path "$name")
  if [[ -x $bin ]]; then
    log "$name $version: cached ($bin)"
    continue
  fi
  buildlog="$CACHE/buildlogs/$name-$version.log"
  log "$name $version: building $pkg (first time only; log: $buildlog)"
  start=$(date +%s)
  if ! (cd "$CLUSTER_SRC/go/$name" &&
        TIMEFORMAT='cpu: user %U s, sys %S s, wall %R s' &&
        time go build -p 2 -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" "$pkg") >"$buildlog" 2>&1; then
    rm -f "$bin.tmp.$$"
    tail -n 30 "$buildlog" >&2
    die "building $name $version failed; see $buildlog"
  fi
  mv -f "$bin.tmp.$$" "$bin"
  secs=$(($(date +%s) - start))
  echo "$secs" >"$bin.build-seconds"
  log "$name $version: built in ${secs}s ($(tail -n 1 "$buildlog"); $(du -h "$bin" | cut -f1))"
done
log "all requested components are built"
