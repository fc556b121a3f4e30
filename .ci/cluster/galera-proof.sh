#!/usr/bin/env bash
# Three `wuzha serve` behind HAProxy, each on its own node of a three-node
# MariaDB Galera cluster, with a Redis, all on 127.0.0.1. During the timed
# load one Galera node is killed (SIGKILL) and started again; the instance
# on it fails /readyz (its database does not answer), HAProxy takes it out
# of rotation, and the other two carry on; when the node has rejoined, the
# instance is ready again and HAProxy takes it back. Then the checks of
# internal/clusterproof: exactly-once submissions, the prize race across
# nodes, concurrent double submits on different nodes, first attempts,
# folding on three instances, shared limits, awareness = rebuild. Finally
# the ten-question submit benchmark (api TestSubmitLoad) against node 1.
# Exits non-zero when a check fails; stops everything it started and
# removes its folders.
#
#   make proof-galera
#
# PROOF_DURATION, PROOF_CLIENTS, PROOF_KILL_AFTER, PROOF_BASE_PORT tune the
# run; PROOF_BENCH=0 skips the benchmark; PROOF_GALERA_PORT (default 3407)
# is node 1's SQL port (nodes 2 and 3 on the next two; group, IST and SST
# ports from 4571, 4581 and 4591).
source "$(dirname "$0")/lib.sh"

SQL_PORT=${PROOF_GALERA_PORT:-3407}
apt_install haproxy redis-server curl rsync galera-4 mariadb-server
for p in $LB_PORT $((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)) $SQL_PORT $((SQL_PORT + 1)) $((SQL_PORT + 2)) 4571 4572 4573; do need_port_free "$p"; done
id mysql >/dev/null 2>&1 || { echo "the mysql user is missing (it comes with mariadb-server)" >&2; exit 2; }
build
# The data folders belong to mysql, which must be able to reach them.
chmod 755 "$WORK"

GCOMM=gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573
NODE_PIDS=(0 0 0 0)
node_dir() { echo "$WORK/node$1"; }
start_node() { # N [--wsrep-new-cluster]
  local n=$1 d; d=$(node_dir "$1"); shift
  mariadbd --no-defaults --user=mysql --datadir="$d/data" --port=$((SQL_PORT + n - 1)) --bind-address=127.0.0.1 \
    --socket="$d/mysql.sock" --pid-file="$d/mysqld.pid" --log-error="$d/error.log" --skip-name-resolve \
    --innodb-buffer-pool-size=128M --max-connections=400 \
    --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB \
    --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so --wsrep-cluster-name=wuzha_proof \
    --wsrep-cluster-address=$GCOMM --wsrep-node-name=node$n --wsrep-node-address=127.0.0.1:$((4570 + n)) \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$((4570 + n));ist.recv_addr=127.0.0.1:$((4580 + n))" \
    --wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:$((4590 + n)) "$@" &
  NODE_PIDS[$n]=$!
  PIDS+=($!)
}
node_sql() { mariadb -S "$(node_dir "$1")/mysql.sock" -uroot -N -e "$2"; }
wait_synced() { # N — the node answers and is Synced in a cluster of three
  for _ in $(seq 240); do
    if [ "$(node_sql "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = Synced ] &&
       [ "$(node_sql "$1" "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2)" = 3 ]; then return 0; fi
    sleep 0.5
  done
  echo "node $1 did not join (see $(node_dir "$1")/error.log)" >&2; tail -20 "$(node_dir "$1")/error.log" >&2; exit 1
}

log "initialising three Galera nodes under $WORK"
for n in 1 2 3; do
  d=$(node_dir $n); mkdir -p "$d/data"; chown -R mysql:mysql "$d"
  mysql_install_db --no-defaults --user=mysql --datadir="$d/data" --auth-root-authentication-method=socket >"$d/install.log" 2>&1
done
start_node 1 --wsrep-new-cluster
for _ in $(seq 120); do node_sql 1 "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
start_node 2
start_node 3
for n in 1 2 3; do wait_synced $n; done
log "Galera cluster of $(node_sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2) nodes on 127.0.0.1:$SQL_PORT-$((SQL_PORT + 2))"
PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
node_sql 1 "CREATE USER 'wuzha'@'127.0.0.1' IDENTIFIED BY '$PW'; GRANT ALL ON *.* TO 'wuzha'@'127.0.0.1'; CREATE DATABASE wuzha CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
# wsrep_sync_wait=1: a read waits until the node has applied what the
# cluster committed before it, so a resident who started an attempt on
# node 1 finds it when the submission lands on node 2.
dsn() { echo "mysql://wuzha:$PW@tcp(127.0.0.1:$((SQL_PORT + $1 - 1)))/wuzha?wsrep_sync_wait=1"; }

start_redis
secrets
export WUZHA_DB_POOL=${PROOF_DB_POOL:-64}
log "migrating and seeding through node 1"
WUZHA_DB_DSN=$(dsn 1) "$WORK/wuzha" migrate 2>>"$WORK/setup.log"
WUZHA_DB_DSN=$(dsn 1) "$WORK/wuzha" seed 2>>"$WORK/setup.log"
for n in 1 2 3; do start_instance $n "$(dsn $n)"; done
for n in 1 2 3; do wait_ready $((BASE_PORT + n)); done
start_haproxy
log "instance N on node N, behind HAProxy on 127.0.0.1:$LB_PORT; load average $(cut -d' ' -f1-3 /proc/loadavg)"

stats() { # cluster-wide certification failures and brute-force aborts
  local n s
  for n in 1 2 3; do
    s=$(node_sql $n "SHOW STATUS WHERE Variable_name IN ('wsrep_local_cert_failures','wsrep_local_bf_aborts','wsrep_cluster_size')" 2>/dev/null | tr '\t\n' '= ')
    log "node $n: ${s:-down}"
  done
}

kill_node_and_rejoin() {
  log "SIGKILL Galera node 3 (pid ${NODE_PIDS[3]}); instance 3 loses its database"
  kill -9 "${NODE_PIDS[3]}"
  wait "${NODE_PIDS[3]}" 2>/dev/null || true
  for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((BASE_PORT + 3))/readyz" 2>/dev/null || break
    sleep 0.2
  done
  log "instance 3 answers /readyz $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE_PORT + 3))/readyz"): HAProxy takes it out"
  sleep 8
  log "cluster size now $(node_sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2); the load goes on through instances 1 and 2"
  log "starting node 3 again (it rejoins by state transfer)"
  start_node 3
  wait_synced 3
  wait_ready $((BASE_PORT + 3))
  log "node 3 Synced and instance 3 ready again"
}

rc=0
run_driver "HAProxy + Galera (3 nodes, $(node_sql 1 'SELECT VERSION()'))" "$(dsn 1)" kill_node_and_rejoin || rc=$?
stats

if [ "${PROOF_BENCH:-1}" != 0 ]; then
  log "ten-question submit benchmark against Galera node 1 (the cluster replicating every commit to the other two)"
  # The benchmark makes and drops its own database through this user.
  (cd "$ROOT" && WUZHA_LOAD=1 WUZHA_TEST_MYSQL_DSN="mysql://wuzha:$PW@tcp(127.0.0.1:$SQL_PORT)/" $GO test -count=1 -run TestSubmitLoad -v ./api/ 2>&1 |
    grep -E 'load_test.go|^LOAD|^(ok|FAIL|---)') || rc=1
  stats
fi
exit $rc
