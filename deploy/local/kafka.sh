#!/usr/bin/env bash
# Local Apache Kafka (KRaft) from Maven Central jars.
#   kafka.sh fetch    resolve the broker classpath into $NG_RUN_DIR/cache/kafka-libs (once)
#   kafka.sh start    write config, format storage on first run, start, wait until ready
#   kafka.sh stop     SIGTERM, then SIGKILL after 30 s; harmless if not running
#   kafka.sh status   "running"/"stopped"; exit 0/1
# NG_KAFKA_NODES=3 runs a 3-node cluster (every node broker+controller) instead of one node.
# NG_KAFKA_SECURE=1 runs, beside the plain broker, a secured single node as deploy/k8s/kafka.yaml has it:
#   clients SASL/SCRAM-SHA-512 over TLS on NG_KAFKA_SECURE_PORT (default NG_KAFKA_PORT+10), controller
#   and inter-broker traffic on mutual TLS (+1, +2), StandardAuthorizer, no access without an ACL.
#   A throwaway CA and the broker's keystore come from deploy/kafka-tls.sh ($NG_RUN_DIR/kafka-secure/tls,
#   clients trust tls/ca.crt); the SCRAM user `admin` (password in kafka-secure/admin-password, a super
#   user) is created when the storage is formatted. `neuguong kafka access --apply` run as admin creates
#   the services' users, the topics and the ACLs (ops/kafka_access.py, the same grants as Kubernetes).
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

: "${NG_KAFKA_NODES:=1}"
: "${NG_KAFKA_HEAP:=-Xmx512m -Xms256m}"
: "${NG_KAFKA_START_TIMEOUT:=90}"
: "${NG_KAFKA_STOP_TIMEOUT:=30}"
: "${NG_JAVA:=java}"

POM="$NG_ROOT/deploy/local/kafka/pom.xml"
LIBS="$NG_RUN_DIR/cache/kafka-libs"
MARKER="$LIBS/.complete"
KDIR="$NG_RUN_DIR/kafka"
LOGDIR="$NG_RUN_DIR/logs"
: "${NG_KAFKA_SECURE:=0}"
if [ "$NG_KAFKA_SECURE" = 1 ]; then
  NG_KAFKA_SECURE_PORT="${NG_KAFKA_SECURE_PORT:-$((NG_KAFKA_PORT + 10))}"
  NG_KAFKA_PORT=$NG_KAFKA_SECURE_PORT
  NG_KAFKA_CONTROLLER_PORT=$((NG_KAFKA_SECURE_PORT + 1))
  NG_KAFKA_INTERNAL_PORT=$((NG_KAFKA_SECURE_PORT + 2))
  NG_KAFKA_NODES=1
  KDIR="$NG_RUN_DIR/kafka-secure"
fi

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

case "$NG_KAFKA_NODES" in
  1|3) ;;
  *) die "NG_KAFKA_NODES must be 1 or 3 (got '$NG_KAFKA_NODES')" ;;
esac

# ---------------------------------------------------------------- layout
# Single node: kafka/{server.properties,kafka.pid,data}, logs/kafka.log,
#   ports NG_KAFKA_PORT (broker) and NG_KAFKA_CONTROLLER_PORT (controller).
# Three nodes: kafka/node<i>/{...}, logs/kafka-node<i>.log,
#   node i broker port NG_KAFKA_PORT+2(i-1), controller port NG_KAFKA_CONTROLLER_PORT+2(i-1)
#   (defaults: brokers 29092/29094/29096, controllers 29093/29095/29097).
node_dir()   { if [ "$NG_KAFKA_NODES" = 1 ]; then echo "$KDIR"; else echo "$KDIR/node$1"; fi; }
node_log()   {
  if [ "$NG_KAFKA_SECURE" = 1 ]; then echo "$LOGDIR/kafka-secure.log"
  elif [ "$NG_KAFKA_NODES" = 1 ]; then echo "$LOGDIR/kafka.log"; else echo "$LOGDIR/kafka-node$1.log"; fi
}
node_port()  { echo $(( NG_KAFKA_PORT + 2 * ($1 - 1) )); }
node_cport() { echo $(( NG_KAFKA_CONTROLLER_PORT + 2 * ($1 - 1) )); }
node_name()  {
  if [ "$NG_KAFKA_SECURE" = 1 ]; then echo "secured kafka"
  elif [ "$NG_KAFKA_NODES" = 1 ]; then echo "kafka"; else echo "kafka node $1"; fi
}

# All pid files that may exist, whichever mode started them (stop/status cover both).
all_pidfiles() {
  local f
  for f in "$KDIR/kafka.pid" "$KDIR"/node*/kafka.pid; do
    [ -f "$f" ] && echo "$f"
  done
  return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {
  local pid="$1" cmdline
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: it must be our broker. Read the whole command line first (no early-closing
  # grep -q on a pipe under pipefail).
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *kafka.Kafka* ]]
}

# A process this run has just launched: alive is enough. Right after the fork the child is still this
# script (its command line is not yet java's), so the pid-reuse guard would call a starting broker dead.
launched_alive() {
  local pid="$1" state
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != Z ]
}

read_pid() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- fetch
fetch_key() {
  # The libs are valid for this pom content + version override.
  echo "pom=$(sha256sum "$POM" | cut -d' ' -f1) version=${NG_KAFKA_VERSION:-default}"
}

fetch() {
  local key
  key="$(fetch_key)"
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$key" ]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (install maven: apt-get install -y maven)"
  say "resolving broker jars with Maven into $LIBS"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  local args=(-q -B -f "$POM" dependency:copy-dependencies "-DoutputDirectory=$LIBS")
  [ -n "${NG_KAFKA_VERSION:-}" ] && args+=("-Dkafka.version=$NG_KAFKA_VERSION")
  if ! mvn "${args[@]}" >"$NG_RUN_DIR/logs/kafka-fetch.log" 2>&1; then
    tail -n 30 "$NG_RUN_DIR/logs/kafka-fetch.log" >&2 || true
    die "maven could not resolve the broker — see $NG_RUN_DIR/logs/kafka-fetch.log"
  fi
  compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $LIBS after fetch"
  echo "$key" >"$MARKER"
  local jar count
  jar="$(compgen -G "$LIBS/kafka_2.13-*.jar" | head -n1)"
  count="$(find "$LIBS" -name '*.jar' | wc -l)"
  say "fetched $(basename "$jar") and its runtime classpath ($count jars)"
}

check_java() {
  command -v "$NG_JAVA" >/dev/null || die "java not found (need Java 17+; apt-get install -y openjdk-17-jre-headless)"
  local v
  v="$("$NG_JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$v" ] && [ "$v" -ge 17 ] || die "Java 17+ required (found '${v:-unknown}')"
}

run_tool() { "$NG_JAVA" -Xmx256m -cp "$LIBS/*" "$@"; }

# ---------------------------------------------------------------- config
write_log4j2() {
  cat >"$KDIR/log4j2.properties" <<'EOF'
# Written by deploy/local/kafka.sh; rewritten on every start.
status = warn
name = neuguong-local-kafka
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# Quieter for the noisy ones.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.storage.name = org.apache.kafka.storage.internals.log
logger.storage.level = WARN
logger.unifiedlog.name = kafka.log.UnifiedLog
logger.unifiedlog.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.network.name = org.apache.kafka.common.network
logger.network.level = WARN
logger.loader.name = org.apache.kafka.image.loader.MetadataLoader
logger.loader.level = WARN
logger.periodic.name = org.apache.kafka.controller.PeriodicTaskControlManager
logger.periodic.level = WARN
logger.perf.name = org.apache.kafka.controller.EventPerformanceMonitor
logger.perf.level = WARN
EOF
}

write_server_properties() {
  local i="$1" dir port cport
  dir="$(node_dir "$i")"; port="$(node_port "$i")"; cport="$(node_cport "$i")"
  local rf=1 isr=1 quorum
  if [ "$NG_KAFKA_NODES" = 1 ]; then
    quorum="controller.quorum.bootstrap.servers=127.0.0.1:$cport"
  else
    rf=3; isr=2
    local voters="" j
    for j in 1 2 3; do voters="${voters:+$voters,}$j@127.0.0.1:$(node_cport "$j")"; done
    quorum="controller.quorum.voters=$voters"
  fi
  local listeners
  if [ "$NG_KAFKA_SECURE" = 1 ]; then
    listeners="$(secure_listeners "$port" "$cport")"
  else
    listeners="listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  fi
  cat >"$dir/server.properties" <<EOF
# Written by deploy/local/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=$i
$quorum
$listeners
log.dirs=$dir/data

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1

num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
# Never elect a replica that is out of sync: an acknowledged (acks=all) record must survive a leader's death.
unclean.leader.election.enable=false
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0

offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr

# Dev-sized segments, but no retention by age or size: the event topics are the system's history
# (the services also set retention.ms=-1 on each topic they create; this default must not undercut it).
log.segment.bytes=16777216
log.retention.ms=-1
log.retention.bytes=-1
log.retention.check.interval.ms=60000
EOF
}

# The secured node's listeners, TLS and authorizer: deploy/k8s/kafka.yaml's settings on one host.
secure_listeners() {
  local port="$1" cport="$2" tls="$KDIR/tls/broker" password
  password="$(cat "$tls/keystore-password")"
  cat <<EOF
listeners=SASL_SSL://127.0.0.1:$port,BROKER://127.0.0.1:$NG_KAFKA_INTERNAL_PORT,CONTROLLER://127.0.0.1:$cport
advertised.listeners=SASL_SSL://127.0.0.1:$port,BROKER://127.0.0.1:$NG_KAFKA_INTERNAL_PORT,CONTROLLER://127.0.0.1:$cport
inter.broker.listener.name=BROKER
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SSL,BROKER:SSL,SASL_SSL:SASL_SSL
listener.name.broker.ssl.client.auth=required
listener.name.controller.ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/kafka.keystore.p12
ssl.keystore.password=$password
ssl.key.password=$password
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.crt
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:CN=kafka-broker;User:admin
EOF
}

# The secured node's TLS material and admin password, made once.
secure_material() {
  [ "$NG_KAFKA_SECURE" = 1 ] || return 0
  mkdir -p "$KDIR"
  bash "$NG_ROOT/deploy/kafka-tls.sh" "$KDIR/tls" localhost 127.0.0.1 >/dev/null
  [ -s "$KDIR/admin-password" ] || (umask 077; openssl rand -hex 24 >"$KDIR/admin-password")
}

# Format storage once per node; the cluster id is kept in $KDIR/cluster.id.
format_storage() {
  local i="$1" dir
  dir="$(node_dir "$i")"
  [ -f "$dir/data/meta.properties" ] && return 0
  local cid
  if [ ! -s "$KDIR/cluster.id" ]; then
    run_tool kafka.tools.StorageTool random-uuid >"$KDIR/cluster.id.tmp"
    mv "$KDIR/cluster.id.tmp" "$KDIR/cluster.id"
  fi
  cid="$(tr -d '[:space:]' <"$KDIR/cluster.id")"
  local mode=()
  [ "$NG_KAFKA_NODES" = 1 ] && mode=(--standalone)
  if [ "$NG_KAFKA_SECURE" = 1 ]; then
    mode+=(--add-scram "SCRAM-SHA-512=[name=admin,password=$(cat "$KDIR/admin-password")]")
  fi
  say "formatting storage for $(node_name "$i") (cluster $cid)"
  if ! run_tool kafka.tools.StorageTool format "${mode[@]}" -t "$cid" -c "$dir/server.properties" \
      >>"$(node_log "$i")" 2>&1; then
    tail -n 30 "$(node_log "$i")" >&2 || true
    die "storage format failed — see $(node_log "$i")"
  fi
  # Remember the controller endpoint: the KRaft quorum stores it, so changing it later breaks startup.
  echo "nodes=$NG_KAFKA_NODES controller_port=$(node_cport "$i")" >"$dir/formatted-with"
}

check_formatted_with() {
  local i="$1" dir want
  dir="$(node_dir "$i")"
  want="nodes=$NG_KAFKA_NODES controller_port=$(node_cport "$i")"
  if [ -f "$dir/formatted-with" ] && [ "$(cat "$dir/formatted-with")" != "$want" ]; then
    die "$(node_name "$i") storage was formatted with '$(cat "$dir/formatted-with")', now '$want'; reset with: rm -rf $KDIR"
  fi
}

# ---------------------------------------------------------------- start/stop
# Echo 0 if node i is running and answering, 1 if its process is alive but not answering, 2 if not running.
node_state() {
  local i="$1" pid
  pid="$(read_pid "$(node_dir "$i")/kafka.pid")"
  if pid_alive "$pid"; then
    if port_open "$(node_port "$i")"; then echo 0; else echo 1; fi
  else
    echo 2
  fi
}

launch_node() {
  local i="$1" dir log port cport
  dir="$(node_dir "$i")"; log="$(node_log "$i")"; port="$(node_port "$i")"; cport="$(node_cport "$i")"
  # Where this start's output begins in the (appended) log, for the readiness check.
  local offset=0
  [ -f "$log" ] && offset="$(stat -c %s "$log")"
  echo "$offset" >"$dir/log.offset"
  echo "===== $(date -Is) kafka.sh start $(node_name "$i") =====" >>"$log"
  # shellcheck disable=SC2086  # NG_KAFKA_HEAP is a list of JVM flags
  nohup "$NG_JAVA" $NG_KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KDIR/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
    >>"$log" 2>&1 </dev/null &
  echo $! >"$dir/kafka.pid"
  say "started $(node_name "$i") (pid $!, broker 127.0.0.1:$port, controller 127.0.0.1:$cport)"
}

started_in_log() {
  local i="$1" dir log offset
  dir="$(node_dir "$i")"; log="$(node_log "$i")"
  offset="$(cat "$dir/log.offset" 2>/dev/null || echo 0)"
  # Not grep -q: it would close the pipe early and pipefail would turn the match into a failure.
  tail -c "+$((offset + 1))" "$log" 2>/dev/null | grep -E 'Kafka Server started|Transition from STARTING to STARTED' >/dev/null
}

fail_start() {
  local i="$1" msg="$2" log
  log="$(node_log "$i")"
  echo "kafka: $msg — see $log" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}

wait_ready() {
  local deadline=$(( SECONDS + NG_KAFKA_START_TIMEOUT )) i pending
  while :; do
    pending=0
    for i in $(seq 1 "$NG_KAFKA_NODES"); do
      local pid
      pid="$(read_pid "$(node_dir "$i")/kafka.pid")"
      if ! launched_alive "$pid"; then
        fail_start "$i" "$(node_name "$i") process exited during start"
      fi
      if ! { port_open "$(node_port "$i")" && { [ ! -f "$(node_dir "$i")/log.offset" ] || started_in_log "$i"; }; }; then
        pending=1
      fi
    done
    [ "$pending" = 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      for i in $(seq 1 "$NG_KAFKA_NODES"); do
        if ! { port_open "$(node_port "$i")" && started_in_log "$i"; }; then
          fail_start "$i" "$(node_name "$i") not ready after ${NG_KAFKA_START_TIMEOUT}s"
        fi
      done
      return 0
    fi
    sleep 0.5
  done
}

bootstrap_list() {
  local i out=""
  for i in $(seq 1 "$NG_KAFKA_NODES"); do out="${out:+$out,}127.0.0.1:$(node_port "$i")"; done
  echo "$out"
}

start() {
  mkdir -p "$LOGDIR" "$KDIR" "$NG_RUN_DIR/cache"
  local i st all_up=1
  for i in $(seq 1 "$NG_KAFKA_NODES"); do
    st="$(node_state "$i")"
    [ "$st" = 0 ] || all_up=0
  done
  if [ "$all_up" = 1 ]; then
    say "already running ($(bootstrap_list))"
    return 0
  fi
  check_java
  fetch
  write_log4j2
  secure_material
  for i in $(seq 1 "$NG_KAFKA_NODES"); do
    mkdir -p "$(node_dir "$i")"
    st="$(node_state "$i")"
    case "$st" in
      0) say "$(node_name "$i") already running" ;;
      1) say "$(node_name "$i") process alive, waiting for it" ;;
      2)
        rm -f "$(node_dir "$i")/kafka.pid"
        if port_open "$(node_port "$i")" || port_open "$(node_cport "$i")"; then
          die "port $(node_port "$i") or $(node_cport "$i") is already in use by a process that is not our $(node_name "$i"); set NG_KAFKA_PORT/NG_KAFKA_CONTROLLER_PORT"
        fi
        check_formatted_with "$i"
        write_server_properties "$i"
        format_storage "$i"
        launch_node "$i"
        ;;
    esac
  done
  local t0=$SECONDS
  wait_ready
  say "ready on $(bootstrap_list) (waited $(( SECONDS - t0 ))s)"
}

stop_pidfile() {
  local pf="$1" pid
  pid="$(read_pid "$pf")"
  if ! pid_alive "$pid"; then
    rm -f "$pf"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  echo "$pid"
}

stop() {
  local pf pids=() pid
  while read -r pf; do
    [ -n "$pf" ] || continue
    pid="$(stop_pidfile "$pf")"
    [ -n "$pid" ] && pids+=("$pid:$pf")
  done < <(all_pidfiles)
  if [ "${#pids[@]}" = 0 ]; then
    say "not running"
    return 0
  fi
  say "stopping (pid ${pids[*]%%:*})"
  local deadline=$(( SECONDS + NG_KAFKA_STOP_TIMEOUT )) e alive
  while :; do
    alive=0
    for e in "${pids[@]}"; do pid_alive "${e%%:*}" && alive=1; done
    [ "$alive" = 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for e in "${pids[@]}"; do
        if pid_alive "${e%%:*}"; then
          say "pid ${e%%:*} still alive after ${NG_KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
          kill -KILL "${e%%:*}" 2>/dev/null || true
        fi
      done
      sleep 0.5
      break
    fi
    sleep 0.5
  done
  for e in "${pids[@]}"; do rm -f "${e#*:}"; done
  say "stopped"
}

status() {
  local pf pid n=0 up=0
  while read -r pf; do
    [ -n "$pf" ] || continue
    n=$((n + 1))
    pid="$(read_pid "$pf")"
    pid_alive "$pid" && up=$((up + 1))
  done < <(all_pidfiles)
  if [ "$up" -gt 0 ] && [ "$up" = "$n" ]; then
    say "running ($up node(s), bootstrap $(bootstrap_list))"
    return 0
  elif [ "$up" -gt 0 ]; then
    say "partly running ($up of $n nodes)"
    return 1
  fi
  say "stopped"
  return 1
}

case "${1:-}" in
  fetch) mkdir -p "$LOGDIR" "$NG_RUN_DIR/cache"; fetch; say "libs in $LIBS" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 {fetch|start|stop|status}" >&2; exit 2 ;;
esac
