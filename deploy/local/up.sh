#!/usr/bin/env bash
# Start the local infrastructure: PostgreSQL (our own cluster, provisioned), then Kafka.
# Idempotent: whatever already runs is left running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
bash "$here/postgres.sh" start
bash "$here/kafka.sh" start
