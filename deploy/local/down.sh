#!/usr/bin/env bash
# Stop the local infrastructure (Kafka, the secured one too, then PostgreSQL). Harmless if nothing runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
rc=0
bash "$here/kafka.sh" stop || rc=1
NG_KAFKA_SECURE=1 bash "$here/kafka.sh" stop || rc=1
bash "$here/postgres.sh" stop || rc=1
exit "$rc"
