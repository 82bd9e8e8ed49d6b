"""Python's cyclic garbage collector, set for a process that streams events.

Decoding and folding a batch of 2.000 events allocates some hundred thousand objects that live until the batch
is written: they outlive the young generations and are promoted, and every few batches a full collection walks
everything the process holds (modules, schemas, the app). With CPython's defaults (700, 10, 10) that was about
a third of a 165.000-event rebuild (bench.replay: 23 s → 15 s with these settings).

Almost every object here is freed by its reference count, not by the collector; the collector is only for
cycles (exception tracebacks, some framework objects), which it still finds, less often.
"""

import gc

THRESHOLDS = (50_000, 20, 10)
"""A young collection every 50.000 net allocations (a batch's objects mostly die first), an older one every
20 of those, a full one every 10 older ones (and, as always, only once the long-lived objects grew by 25 %)."""


def tune_for_throughput() -> None:
    """Freeze what exists after start-up (collections no longer walk it) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
