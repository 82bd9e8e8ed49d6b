"""Advisory lock classes: each purpose has its own key space (pg_advisory_*lock(class, key)), so no
caller-chosen value (an Idempotency-Key, an aggregate id) can ever hash onto another purpose's lock."""

RELAY_LEADER = 1
MIGRATIONS = 2
IDEMPOTENCY = 3
OUTBOX_KEY = 4
HONOR_SUBJECT = 5
PUBLIC_FEED = 6
