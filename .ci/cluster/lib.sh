# Shared by haproxy-proof.sh and galera-proof.sh: three `wuzha serve`
# behind HAProxy on loopback, a private Redis, the Go load driver, and a
# cleanup that stops exactly the processes these scripts started.
# Sourced, not run. Everything listens on 127.0.0.1 and lives under $WORK.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GO=${GO:-go}
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
BASE_PORT=${PROOF_BASE_PORT:-18080}   # HAProxy; instances on +1..+3; Redis on +9
LB_PORT=$BASE_PORT
REDIS_PORT=$((BASE_PORT + 9))
DURATION=${PROOF_DURATION:-40s}
CLIENTS=${PROOF_CLIENTS:-48}
KILL_AFTER=${PROOF_KILL_AFTER:-12}   # seconds into the timed load

WORK=$(mktemp -d /tmp/wuzha-proof.XXXXXX)
PIDS=()            # every process started here, stopped by cleanup
INST_PIDS=(0 0 0 0) # wuzha instances by number 1..3
CLEANUPS=()        # extra cleanup commands (dropping a database …)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

cleanup() {
  local rc=$?
  set +e
  log "stopping what this script started"
  for pid in "${INST_PIDS[@]}" "${PIDS[@]}"; do
    [ "$pid" != 0 ] && kill "$pid" 2>/dev/null
  done
  for _ in $(seq 50); do # up to 10 s for a clean stop
    local alive=0
    for pid in "${INST_PIDS[@]}" "${PIDS[@]}"; do [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in "${INST_PIDS[@]}" "${PIDS[@]}"; do
    [ "$pid" != 0 ] && kill -9 "$pid" 2>/dev/null
  done
  for c in "${CLEANUPS[@]}"; do eval "$c"; done
  if [ "${PROOF_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT INT TERM

need_port_free() {
  if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then
    echo "port $1 is in use on 127.0.0.1; set PROOF_BASE_PORT to another base" >&2; exit 2
  fi
}

apt_install() { # package… — installs what is missing, as root only
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then echo "needs: apt-get install ${missing[*]}" >&2; exit 2; fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
  log "building wuzha and the load driver"
  (cd "$ROOT" && $GO build -o "$WORK/wuzha" . && $GO build -o "$WORK/clusterproof" ./internal/clusterproof)
}

start_redis() {
  need_port_free "$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
  PIDS+=($!)
  export WUZHA_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis did not start" >&2; exit 1
}

secrets() { # the same secrets for every instance
  export WUZHA_JWT_SECRET=$(head -c 48 /dev/urandom | base64 -w0)
  export WUZHA_PHONE_KEY=$(head -c 32 /dev/urandom | base64 -w0)
  export WUZHA_TRUSTED_PROXIES=127.0.0.1/32
  export WUZHA_LOG_LEVEL=warn
  # Three pools on one server must fit its max_connections (151 by default).
  export WUZHA_DB_POOL=${PROOF_DB_POOL:-32}
  export WUZHA_SMS_OUTBOX=$WORK/sms-outbox.jsonl
}

# start_instance N DSN — instance N on port BASE+N against DSN.
start_instance() {
  local n=$1 dsn=$2 port=$((BASE_PORT + $1))
  mkdir -p "$WORK/inst$n"
  WUZHA_DB_DSN=$dsn WUZHA_ADDR=127.0.0.1:$port WUZHA_DATA_DIR=$WORK/inst$n \
    "$WORK/wuzha" serve >>"$WORK/inst$n.log" 2>&1 &
  INST_PIDS[$n]=$!
}

wait_ready() { # port
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/readyz" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing ready on port $1" >&2; exit 1
}

start_haproxy() {
  cat >"$WORK/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # A connection that could not be made is tried again, on another server
  # (the request never reached the dead one); nothing else is replayed.
  retries 3
  option redispatch
  option forwardfor
  option http-keep-alive
frontend wuzha
  bind 127.0.0.1:$LB_PORT
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server check inter 500ms fall 2 rise 2
  server w1 127.0.0.1:$((BASE_PORT + 1))
  server w2 127.0.0.1:$((BASE_PORT + 2))
  server w3 127.0.0.1:$((BASE_PORT + 3))
CFG
  haproxy -c -q -f "$WORK/haproxy.cfg"
  haproxy -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$LB_PORT"
}

# run_driver LABEL DRIVER_DSN EVENT — runs the load driver; EVENT is a
# function run KILL_AFTER seconds into the timed load (killing things).
run_driver() {
  local label=$1 dsn=$2 event=$3
  local started=$WORK/load-started
  WUZHA_DB_DSN=$dsn "$WORK/clusterproof" -label "$label" -url "http://127.0.0.1:$LB_PORT" \
    -instances "http://127.0.0.1:$((BASE_PORT + 1)),http://127.0.0.1:$((BASE_PORT + 2)),http://127.0.0.1:$((BASE_PORT + 3))" \
    -dsn "$dsn" -bin "$WORK/wuzha" -started "$started" -duration "$DURATION" -clients "$CLIENTS" &
  local driver=$!
  PIDS+=($driver)
  while [ ! -e "$started" ]; do
    kill -0 $driver 2>/dev/null || break
    sleep 0.2
  done
  if [ -e "$started" ]; then
    sleep "$KILL_AFTER"
    $event
  fi
  local rc=0
  wait $driver || rc=$?
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  return $rc
}
