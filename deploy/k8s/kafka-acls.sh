#!/usr/bin/env bash
# Production Kafka: SCRAM users, topics and per-service ACLs for Nêu Gương.
# Derived from the service table of DESIGN.md §2 (publishes / consumes) and schemas/topics.py
# (partitions, compaction). Run once with an admin client config, e.g. on a broker pod:
#
#   KAFKA_BIN=/opt/kafka/bin BOOTSTRAP=kafka-0.kafka-headless:9094 ADMIN_CONFIG=/etc/kafka/admin.properties \
#     bash kafka-acls.sh            # DRY_RUN=1 prints the commands instead of running them
#
# ADMIN_CONFIG: security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, the admin's JAAS line and
# the truststore. The admin is a super user (super.users=User:admin on the brokers), which also
# creates the topics, so no service needs Create. Brokers run with
# authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer and
# allow.everyone.if.no.acl.found=false.
#
# Who may do what (principal = User:<name>, SCRAM-SHA-512 over TLS):
#
#   principal            Write (produce)                          Read (consume)                                         group
#   ng_commitments       commitments.events sessions.events       directory.units directory.members inspections.events  commitments
#                        commitments.dlq
#   ng_honors            honors.events honors.dlq                 directory.units directory.members inspections.events  honors
#                                                                 commitments.events
#   ng_inspections       inspections.events inspections.dlq       directory.units directory.members                     inspections
#   ng_notifications     notifications.events notifications.dlq   directory.units directory.members honors.events       notifications
#   ng_projections       projections.dlq                          directory.units directory.members commitments.events  projections
#                                                                 sessions.events honors.events inspections.events
#                                                                 notifications.events
#   ng_directory_import  directory.units directory.members        -                                                      -
#   ng_operator          every *.events and directory.* topic     every *.dlq; Describe on all groups                    <service>.dlq-replay
#                        (`neuguong dlq replay` sends letters back to their original topic)
#
# Every service principal also has Describe on every topic: at start each service lists the
# topics (neuguong/runtime/topics.py ensure_topics) and would try to create one it cannot see.
# Idempotent producers need no IdempotentWrite cluster ACL since Kafka 3.0 (Write on the topic).
set -euo pipefail

: "${KAFKA_BIN:=/opt/kafka/bin}"
: "${BOOTSTRAP:?BOOTSTRAP (host:port of a SASL_SSL listener) is required}"
: "${ADMIN_CONFIG:?ADMIN_CONFIG (client properties of the admin principal) is required}"
: "${REPLICATION:=3}"
: "${DRY_RUN:=0}"

SERVICES=(commitments honors inspections notifications projections)
EVENT_TOPICS=(commitments.events sessions.events honors.events inspections.events notifications.events)
DIRECTORY_TOPICS=(directory.units directory.members)

run() {
  if [ "$DRY_RUN" = 1 ]; then printf '%q ' "$@"; echo; else "$@"; fi
}
acl() { run "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add "$@"; }
topic() { # name partitions [config...]
  local name=$1 partitions=$2; shift 2
  local configs=()
  for c in "$@"; do configs+=(--config "$c"); done
  run "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
    --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION" \
    --config min.insync.replicas=2 "${configs[@]}"
}
writes() { local p=$1; shift; for t in "$@"; do acl --allow-principal "User:$p" --operation Write --operation Describe --topic "$t"; done; }
reads()  { local p=$1; shift; for t in "$@"; do acl --allow-principal "User:$p" --operation Read --operation Describe --topic "$t"; done; }
group()  { acl --allow-principal "User:$1" --operation Read --operation Describe --group "$2"; }

# --- SCRAM credentials (passwords from the environment, e.g. KAFKA_PASSWORD_NG_HONORS) ---------
for p in "${SERVICES[@]/#/ng_}" ng_directory_import ng_operator; do
  var="KAFKA_PASSWORD_$(echo "$p" | tr '[:lower:]' '[:upper:]')"
  if [ -n "${!var:-}" ]; then
    run "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
      --alter --entity-type users --entity-name "$p" --add-config "SCRAM-SHA-512=[iterations=8192,password=${!var}]"
  else
    echo "kafka-acls: $var not set, SCRAM credential of $p left as it is" >&2
  fi
done

# --- topics (schemas/topics.py) ------------------------------------------------------------------
topic directory.units 3 cleanup.policy=compact
topic directory.members 6 cleanup.policy=compact
topic commitments.events 6
topic sessions.events 6
topic honors.events 6
topic inspections.events 6
topic notifications.events 3
for s in "${SERVICES[@]}"; do topic "$s.dlq" 1; done

# --- Describe on every topic for every service (ensure_topics lists them at start) ---------------
for s in "${SERVICES[@]}"; do
  for t in "${DIRECTORY_TOPICS[@]}" "${EVENT_TOPICS[@]}" "${SERVICES[@]/%/.dlq}"; do
    acl --allow-principal "User:ng_$s" --operation Describe --topic "$t"
  done
done

# --- per service (DESIGN.md §2) ------------------------------------------------------------------
writes ng_commitments commitments.events sessions.events commitments.dlq
reads  ng_commitments "${DIRECTORY_TOPICS[@]}" inspections.events
group  ng_commitments commitments

writes ng_honors honors.events honors.dlq
reads  ng_honors "${DIRECTORY_TOPICS[@]}" inspections.events commitments.events
group  ng_honors honors

writes ng_inspections inspections.events inspections.dlq
reads  ng_inspections "${DIRECTORY_TOPICS[@]}"
group  ng_inspections inspections

writes ng_notifications notifications.events notifications.dlq
reads  ng_notifications "${DIRECTORY_TOPICS[@]}" honors.events
group  ng_notifications notifications

writes ng_projections projections.dlq
reads  ng_projections "${DIRECTORY_TOPICS[@]}" "${EVENT_TOPICS[@]}"
group  ng_projections projections

# --- the directory importer ----------------------------------------------------------------------
writes ng_directory_import "${DIRECTORY_TOPICS[@]}"

# --- the operator: neuguong dlq list|replay, lag checks ------------------------------------------
reads  ng_operator "${SERVICES[@]/%/.dlq}"
writes ng_operator "${DIRECTORY_TOPICS[@]}" "${EVENT_TOPICS[@]}"
for s in "${SERVICES[@]}"; do group ng_operator "$s.dlq-replay"; done
acl --allow-principal User:ng_operator --operation Describe --group '*'
acl --allow-principal User:ng_operator --operation Describe --topic '*'

echo "kafka-acls: done" >&2
