#!/usr/bin/env bash
# Start the test cluster: etcd, kube-apiserver (TLS, RBAC, static tokens), the Flux CRDs, the Flux
# controllers (source, kustomize, helm, notification) as local processes, and a loopback Git +
# Helm repository server seeded with a small Flux repository. Idempotent: when the cluster is
# already up it is reused. The last line of output is always `KUBECONFIG=<absolute path>`.
#
# Environment:
#   FLUX_WORKBENCH_CLUSTER_DIR  state folder (default /tmp/flux-workbench-cluster)
#   FLUX_WORKBENCH_CACHE        build cache (default $HOME/.cache/flux-workbench)
#   FLUX_CRDS_DIR               Flux CRDs (default <repo>/../shared/flux-crds)
#   CLUSTER_READY_TIMEOUT       seconds to wait for the seeded objects to be Ready (default 180)
#   CLUSTER_CONTROLLERS         which Flux controllers to run (default: all four, space-separated:
#                               "source-controller kustomize-controller helm-controller notification-controller");
#                               objects whose controller is not run are not waited for
#   CLUSTER_BUILD=never         fail (saying what is missing) instead of building missing binaries
#   CLUSTER_SEED_REPO           the Flux repository pushed to the Git server (default examples/flux-repo)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SEED_REPO="${CLUSTER_SEED_REPO:-$REPO/examples/flux-repo}"

T0=$(date +%s%N)
elapsed() { local d=$(($(date +%s%N) - T0)); echo "$((d / 1000000000)).$((d / 100000000 % 10))s"; }
READY_TIMEOUT="${CLUSTER_READY_TIMEOUT:-180}"

KUBECONFIG_ADMIN="$STATE/kubeconfig"
KUBECONFIG_TEAM_A="$STATE/kubeconfig-team-a"
LOGS="$STATE/logs"
PIDS="$STATE/pids"

# Processes in start order (down.sh stops them in reverse).
read -r -a CONTROLLERS <<<"${CLUSTER_CONTROLLERS-notification-controller source-controller kustomize-controller helm-controller}"
PROCS=(etcd kube-apiserver git-server "${CONTROLLERS[@]}")
runs() { [[ " ${CONTROLLERS[*]} " == *" $1 "* ]]; }

component_failed() { # name message
  local name=$1; shift
  if [[ -f $LOGS/$name.log ]]; then
    echo "---- last lines of $LOGS/$name.log ----" >&2
    tail -n 25 "$LOGS/$name.log" >&2 || true
    echo "----" >&2
  fi
  die "$name: $* (log: $LOGS/$name.log)"
}

all_running() {
  [[ -f $STATE/ports.env && -f $KUBECONFIG_ADMIN ]] || return 1
  local p pid
  for p in "${PROCS[@]}"; do
    [[ -f $PIDS/$p.pid ]] || return 1
    pid=$(cat "$PIDS/$p.pid")
    pid_alive "$pid" || return 1
  done
  # shellcheck disable=SC1091
  source "$STATE/ports.env"
  curl -sf --max-time 5 --cacert "$STATE/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
    "https://127.0.0.1:$KAS_PORT/readyz" >/dev/null
}

# One up.sh/down.sh at a time per state folder (the e2e tests and the demo may start it together).
mkdir -p "$STATE"
exec 8>"$STATE/.lock"
flock 8
export FLUX_WORKBENCH_CLUSTER_LOCKED="$STATE"

if all_running; then
  log "cluster already running in $STATE (reusing it)"
  echo "KUBECONFIG=$KUBECONFIG_ADMIN"
  exit 0
fi
if [[ -d $PIDS ]] && compgen -G "$PIDS/*.pid" >/dev/null; then
  log "cluster in $STATE is partly running: stopping it first"
  bash "$CLUSTER_SRC/down.sh"
fi

[[ -d $FLUX_CRDS_DIR ]] || die "Flux CRDs not found in $FLUX_CRDS_DIR (set FLUX_CRDS_DIR)"
FLUX_CRDS_DIR="$(cd "$FLUX_CRDS_DIR" && pwd)"

missing=()
declare -A BIN=()
for c in kube-apiserver "${CONTROLLERS[@]}"; do
  BIN[$c]=$(binary_path "$c")
  [[ -x ${BIN[$c]} ]] || missing+=("$c")
done
if ((${#missing[@]})) && [[ ${CLUSTER_BUILD:-} == never ]]; then
  die "not built: ${missing[*]} (build them once with: bash test/cluster/ensure-built.sh; about 40 min on 2 cores, cached in $CACHE/bin)"
fi
if ((${#missing[@]})) || ! need_cmd etcd || ! need_cmd git || ! need_cmd openssl || ! need_cmd curl || ! need_cmd kubectl || ! need_cmd node; then
  log "building what is missing (cache: $CACHE): ${missing[*]:-(binaries cached; installing Debian packages)}"
  bash "$CLUSTER_SRC/ensure-built.sh" kube-apiserver "${CONTROLLERS[@]}"
else
  log "binaries cached in $CACHE/bin"
fi

mkdir -p "$STATE" "$LOGS" "$PIDS"

# ---- ports (127.0.0.1 only), chosen free on each fresh start -------------------------------------
PORT_VARS=(ETCD_PORT ETCD_PEER_PORT KAS_PORT GIT_PORT STORAGE_PORT EVENTS_PORT RECEIVER_PORT
           SC_METRICS SC_HEALTH KC_METRICS KC_HEALTH HC_METRICS HC_HEALTH NC_METRICS NC_HEALTH)
read -r -a ports <<<"$(free_ports ${#PORT_VARS[@]})"
for i in "${!PORT_VARS[@]}"; do echo "${PORT_VARS[$i]}=${ports[$i]}"; done >"$STATE/ports.env.new"

# ---- PKI and tokens (kept across restarts of the same state folder) --------------------------------
PKI="$STATE/pki"
if [[ ! -f $PKI/done ]]; then
  log "generating a CA, the API server's serving certificate and the service-account key"
  rm -rf "$PKI"; mkdir -p "$PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=flux-workbench-test-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    cat >apiserver.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1
EOF
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    echo "ADMIN_TOKEN=$(openssl rand -hex 24)" >tokens.env
    echo "TEAM_A_TOKEN=$(openssl rand -hex 24)" >>tokens.env
    # shellcheck disable=SC1091
    source tokens.env
    # token,user,uid,"groups"
    {
      echo "$ADMIN_TOKEN,flux-workbench-admin,uid-admin,\"system:masters\""
      echo "$TEAM_A_TOKEN,team-a-user,uid-team-a,\"team-a\""
    } >tokens.csv
    chmod 600 ./*.key tokens.*
    touch done
  ) || die "generating certificates with openssl failed"
fi
# shellcheck disable=SC1091
source "$PKI/tokens.env"
cat "$STATE/ports.env.new" "$PKI/tokens.env" >"$STATE/ports.env"
rm -f "$STATE/ports.env.new"
# shellcheck disable=SC1091
source "$STATE/ports.env"

KAS_URL="https://127.0.0.1:$KAS_PORT"
GIT_URL="http://127.0.0.1:$GIT_PORT/git/flux-repo.git"
CHARTS_URL="http://127.0.0.1:$GIT_PORT/charts"

write_kubeconfig() { # file user token namespace
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: flux-workbench-test
    cluster:
      server: $KAS_URL
      certificate-authority: $PKI/ca.crt
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: $2@flux-workbench-test
    context:
      cluster: flux-workbench-test
      user: $2
      namespace: $4
current-context: $2@flux-workbench-test
EOF
  chmod 600 "$1"
}
write_kubeconfig "$KUBECONFIG_ADMIN" flux-workbench-admin "$ADMIN_TOKEN" flux-system
write_kubeconfig "$KUBECONFIG_TEAM_A" team-a-user "$TEAM_A_TOKEN" team-a
export KUBECONFIG="$KUBECONFIG_ADMIN"
# kubectl's discovery cache for this cluster lives with the cluster, not in ~/.kube/cache.
export KUBECACHEDIR="$STATE/kube-cache"

# On any failure after processes were started, stop them again (logs are kept).
STARTED=
on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n $STARTED ]]; then
    bash "$CLUSTER_SRC/down.sh" >/dev/null 2>&1 || true
    printf '[cluster %s] up.sh failed (exit %s): stopped the processes it had started; logs: %s\n' "$(date +%H:%M:%S)" "$rc" "$LOGS" >&2
  fi
}
trap on_exit EXIT

# ---- process helpers --------------------------------------------------------------------------
start_proc() { # name cmd...  (stdout+stderr -> $LOGS/name.log; pid -> $PIDS/name.pid)
  local name=$1; shift
  : >"$LOGS/$name.log"
  STARTED=1
  # 8>&-: the state folder's lock must not be inherited (it would stay held while the cluster runs).
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 8>&- &
  local pid=$!
  echo "$pid" >"$PIDS/$name.pid"
  # What /proc/<pid>/cmdline must contain for down.sh to treat the PID as ours (START_EXE: the
  # program a wrapper execs into).
  printf '%s' "${START_EXE:-$1}" >"$PIDS/$name.exe"
}

wait_until() { # name timeout-seconds description command...
  local name=$1 timeout=$2 what=$3; shift 3
  local deadline=$(($(date +%s) + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if [[ -f $PIDS/$name.pid ]] && ! pid_alive "$(cat "$PIDS/$name.pid")"; then
      component_failed "$name" "process exited while waiting for $what"
    fi
    if (($(date +%s) >= deadline)); then
      component_failed "$name" "not $what after ${timeout}s"
    fi
    sleep 0.2
  done
}

# ---- etcd ---------------------------------------------------------------------------------------
rm -rf "$STATE/etcd"
log "starting etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}') on 127.0.0.1:$ETCD_PORT"
start_proc etcd "$(command -v etcd)" --name flux-workbench --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "flux-workbench=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
  --snapshot-count 10000 --logger zap --log-outputs stderr

# ---- Git + Helm repository server ------------------------------------------------------------------
log "seeding the Git repository and the Helm repository"
rm -rf "$STATE/git" "$STATE/charts" "$STATE/work"
mkdir -p "$STATE/git" "$STATE/charts"
git init -q --bare -b main "$STATE/git/flux-repo.git"
git -C "$STATE/git/flux-repo.git" config http.receivepack true
# The seed is the example repository (examples/flux-repo): what the demo opens is what the
# cluster reconciles. Its placeholder servers become this cluster's loopback Git and Helm servers.
cp -r "$SEED_REPO" "$STATE/work"
find "$STATE/work" -type f -name '*.yaml' -exec sed -i \
  -e "s#https://git.example.com/fleet/flux-repo.git#$GIT_URL#g" -e "s#https://charts.example.com/#$CHARTS_URL/#g" {} +
(
  cd "$STATE/work"
  git init -q -b main
  git -c user.name="Flux Workbench" -c user.email="test@flux-workbench.invalid" add -A
  git -c user.name="Flux Workbench" -c user.email="test@flux-workbench.invalid" commit -q -m "Seed the test Flux repository"
  git remote add origin "$STATE/git/flux-repo.git"
  git push -q origin main
) >"$LOGS/seed.log" 2>&1 || component_failed seed "creating the seed Git repository failed"
# The chart, packaged with tar (a chart archive is a gzipped tar with one top folder).
tar -C "$CLUSTER_SRC/seed/chart" --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime='2026-01-01 00:00:00Z' -czf "$STATE/charts/demo-chart-0.1.0.tgz" demo-chart
digest=$(sha256sum "$STATE/charts/demo-chart-0.1.0.tgz" | cut -d' ' -f1)
cat >"$STATE/charts/index.yaml" <<EOF
apiVersion: v1
entries:
  demo-chart:
    - apiVersion: v2
      name: demo-chart
      version: 0.1.0
      appVersion: "1.0.0"
      description: A chart with only ConfigMaps, so it is Ready without a scheduler or kubelet.
      type: application
      created: "2026-01-01T00:00:00Z"
      digest: $digest
      urls:
        - demo-chart-0.1.0.tgz
generated: "2026-01-01T00:00:00Z"
EOF
log "starting the Git/Helm HTTP server on http://127.0.0.1:$GIT_PORT"
start_proc git-server "$(command -v node)" "$CLUSTER_SRC/git-http-server.mjs" "$GIT_PORT" "$STATE/git" "$STATE/charts"

# etcd started while the repositories were seeded.
wait_until etcd 30 "healthy" curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

# ---- kube-apiserver ------------------------------------------------------------------------------
KAS_BIN=${BIN[kube-apiserver]}
log "starting kube-apiserver $KUBE_VERSION on $KAS_URL"
start_proc kube-apiserver "$KAS_BIN" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$KAS_PORT" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --token-auth-file="$PKI/tokens.csv" \
  --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --endpoint-reconciler-type=none \
  --profiling=false \
  --v=1
kas_ready() {
  curl -sf --max-time 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$KAS_URL/readyz"
}
wait_until git-server 20 "serving" curl -sf --max-time 2 "http://127.0.0.1:$GIT_PORT/healthz"
wait_until kube-apiserver 90 "ready (/readyz)" kas_ready
log "kube-apiserver ready after $(elapsed)"

# ---- Flux CRDs ----------------------------------------------------------------------------------
log "installing the Flux CRDs from $FLUX_CRDS_DIR, namespaces flux-system and team-a, RBAC for team-a-user"
crd_files=()
for d in source-controller kustomize-controller helm-controller notification-controller \
         image-reflector-controller image-automation-controller source-watcher; do
  for f in "$FLUX_CRDS_DIR/$d"/*.yaml; do [[ -f $f ]] && crd_files+=(-f "$f"); done
done
((${#crd_files[@]})) || die "no CRD files under $FLUX_CRDS_DIR"
kubectl apply --server-side --force-conflicts "${crd_files[@]}" -f "$CLUSTER_SRC/manifests/base.yaml" >"$LOGS/crds.log" 2>&1 ||
  component_failed crds "kubectl apply of the Flux CRDs and manifests/base.yaml failed"
# Established = served: wait until every Flux kind is in the API discovery (cheaper than kubectl wait).
crds_served() {
  local gv kinds
  for gv in source.toolkit.fluxcd.io/v1 kustomize.toolkit.fluxcd.io/v1 helm.toolkit.fluxcd.io/v2 \
            notification.toolkit.fluxcd.io/v1 notification.toolkit.fluxcd.io/v1beta3 \
            image.toolkit.fluxcd.io/v1 source.extensions.fluxcd.io/v1beta1; do
    kinds=$(curl -sf --max-time 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$KAS_URL/apis/$gv") || return 1
    echo "$gv: $(grep -o '"kind": *"[A-Za-z]*"' <<<"$kinds" | sort -u | tr '\n' ' ')"
  done
}
wait_until kube-apiserver 60 "serving the Flux CRDs" crds_served
crds_served >>"$LOGS/crds.log"
# The labels `flux install` puts on every object it installs, CRDs included (the raw CRDs lack them):
# the explorer reads the Flux version and namespace from them.
mapfile -t flux_crds < <(kubectl get crd -o name | grep -E '\.fluxcd\.io$')
kubectl label --overwrite "${flux_crds[@]}" app.kubernetes.io/part-of=flux \
  app.kubernetes.io/instance=flux-system "app.kubernetes.io/version=$FLUX_VERSION" >>"$LOGS/crds.log" 2>&1 ||
  component_failed crds "labelling the Flux CRDs failed"

# ---- bootstrap: the sync objects; Flux takes it from there ------------------------------------------
cat >"$STATE/cluster.env" <<EOF
STATE=$STATE
KUBECONFIG=$KUBECONFIG_ADMIN
KUBECONFIG_TEAM_A=$KUBECONFIG_TEAM_A
KAS_URL=$KAS_URL
CA_FILE=$PKI/ca.crt
ADMIN_TOKEN=$ADMIN_TOKEN
TEAM_A_TOKEN=$TEAM_A_TOKEN
GIT_URL=$GIT_URL
GIT_BARE=$STATE/git/flux-repo.git
CHARTS_URL=$CHARTS_URL
LOGS=$LOGS
EOF
log "applying the bootstrap GitRepository and Kustomization (before the controllers start)"
kubectl apply --server-side -f "$STATE/work/clusters/production/flux-system/gotk-sync.yaml" >"$LOGS/bootstrap.log" 2>&1 ||
  component_failed bootstrap "kubectl apply of gotk-sync.yaml failed"

# ---- Flux controllers ----------------------------------------------------------------------------
rm -rf "$STATE/source-storage"; mkdir -p "$STATE/source-storage" "$STATE/tmp"
# The controllers read KUBECONFIG (exported above) and RUNTIME_NAMESPACE from the environment.
# Leader election on, as in Flux's own Deployments: each controller then holds a Lease
# <controller>-leader-election in flux-system, from which the explorer tells whether it runs.
# Outside a pod, controller-runtime finds the Lease's namespace only in the service-account folder a
# pod has, so each controller runs in a private mount namespace with a folder holding "flux-system"
# bound there (root only; elsewhere leader election stays off, and the explorer says "unknown").
export RUNTIME_NAMESPACE=flux-system TMPDIR="$STATE/tmp"
SA_DIR=/run/secrets/kubernetes.io/serviceaccount
WRAP=()
if [[ $(id -u) == 0 ]] && unshare -m true 2>/dev/null && mkdir -p "$SA_DIR" "$STATE/serviceaccount"; then
  printf flux-system >"$STATE/serviceaccount/namespace"
  WRAP=(unshare -m --propagation private sh -c 'mount --bind "$0" '"$SA_DIR"' && exec "$@"' "$STATE/serviceaccount")
  LEADER_ELECTION=true
else
  log "leader election off (needs root for a private mount namespace): controller liveness will be unknown"
  LEADER_ELECTION=false
fi
common=(--enable-leader-election="$LEADER_ELECTION" --watch-all-namespaces=true --log-level=info --log-encoding=json)
start_controller() { # name args... (the binary is ${BIN[name]})
  local name=$1; shift
  START_EXE=${BIN[$name]} start_proc "$name" "${WRAP[@]}" "${BIN[$name]}" "$@"
}
# Events go to notification-controller; without it the event recorder's retries slow reconciles.
events=()
runs notification-controller && events=(--events-addr="http://127.0.0.1:$EVENTS_PORT")
log "starting the Flux controllers"
runs notification-controller && start_controller notification-controller "${common[@]}" \
  --metrics-addr="127.0.0.1:$NC_METRICS" --health-addr="127.0.0.1:$NC_HEALTH" \
  --events-addr="127.0.0.1:$EVENTS_PORT" --receiverAddr="127.0.0.1:$RECEIVER_PORT"
runs source-controller && start_controller source-controller "${common[@]}" \
  --metrics-addr="127.0.0.1:$SC_METRICS" --health-addr="127.0.0.1:$SC_HEALTH" \
  "${events[@]}" \
  --storage-path="$STATE/source-storage" --storage-addr="127.0.0.1:$STORAGE_PORT" \
  --storage-adv-addr="127.0.0.1:$STORAGE_PORT" --requeue-dependency=2s
runs kustomize-controller && start_controller kustomize-controller "${common[@]}" \
  --metrics-addr="127.0.0.1:$KC_METRICS" --health-addr="127.0.0.1:$KC_HEALTH" \
  "${events[@]}" --requeue-dependency=2s
runs helm-controller && start_controller helm-controller "${common[@]}" \
  --metrics-addr="127.0.0.1:$HC_METRICS" --health-addr="127.0.0.1:$HC_HEALTH" \
  "${events[@]}" --requeue-dependency=2s --graceful-shutdown-timeout=5s
runs notification-controller && wait_until notification-controller 60 "healthy" curl -sf --max-time 2 "http://127.0.0.1:$NC_HEALTH/readyz"
runs source-controller && wait_until source-controller 60 "healthy" curl -sf --max-time 2 "http://127.0.0.1:$SC_HEALTH/readyz"
runs kustomize-controller && wait_until kustomize-controller 60 "healthy" curl -sf --max-time 2 "http://127.0.0.1:$KC_HEALTH/readyz"
runs helm-controller && wait_until helm-controller 60 "healthy" curl -sf --max-time 2 "http://127.0.0.1:$HC_HEALTH/readyz"
log "controllers healthy after $(elapsed)"

# Wait until every expected object is Ready=True (at its current generation).
expected=()   # Kind/namespace/name=controller
if runs source-controller; then
  expected+=(GitRepository/flux-system/flux-repo=source-controller)
  if runs kustomize-controller; then
    expected+=(Kustomization/flux-system/flux-system=kustomize-controller
               Kustomization/flux-system/infrastructure=kustomize-controller
               HelmRepository/flux-system/local-charts=source-controller
               Kustomization/flux-system/apps=kustomize-controller
               Kustomization/team-a/team-a-apps=kustomize-controller)
    runs helm-controller && expected+=(HelmRelease/demo/demo-chart=helm-controller)
  fi
fi
if ((${#expected[@]})); then
  node "$CLUSTER_SRC/wait-ready.mjs" "$STATE" "$READY_TIMEOUT" "${expected[@]}" 2>&1 |
    tee "$LOGS/wait-ready.log" | grep -v '^FAILED' || true
  last=$(tail -n 1 "$LOGS/wait-ready.log")
  if [[ $last == FAILED* ]]; then
    read -r _ ctl rest <<<"$last"
    component_failed "$ctl" "$rest"
  elif [[ $(grep -c '^\[cluster .* Ready (' "$LOGS/wait-ready.log") != "${#expected[@]}" ]]; then
    die "waiting for the seeded objects failed: $(tail -n 3 "$LOGS/wait-ready.log") (log: $LOGS/wait-ready.log)"
  fi
fi

log "cluster up in $(elapsed): logs in $LOGS, PIDs in $PIDS; stop it with: npm run cluster:down"
echo "KUBECONFIG=$KUBECONFIG_ADMIN"
