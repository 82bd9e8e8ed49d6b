"""Request signatures: HMAC-SHA256 over "<timestamp>.<body>" with the channel's shared secret.

Headers of every delivery:
    Idempotency-Key:        the delivery id (the same on every retry of that delivery)
    X-NeuGuong-Timestamp:   Unix seconds when this attempt was signed
    X-NeuGuong-Signature:   "v1=" + hex HMAC-SHA256(secret, timestamp + "." + raw body bytes)
A receiver recomputes the HMAC over the raw body, compares in constant time and refuses a timestamp
older than its tolerance (replays).

While a channel's secret is being rotated, the header carries one signature per valid secret, newest
first and comma-separated ("v1=<new>,v1=<old>"), so the receiver may switch to the new secret at any
moment of the grace period; it accepts the request when any of them matches its secret.
"""

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "X-NeuGuong-Signature"
TIMESTAMP_HEADER = "X-NeuGuong-Timestamp"
SCHEME = "v1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value of `body` signed at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(secrets: Sequence[str], delivery_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Every header a delivery request carries besides its content type, signed with each secret in turn."""
    if isinstance(secrets, str) or not secrets:
        raise ValueError("secrets: a non-empty list of secrets, newest first")
    timestamp = int(now if now is not None else time.time())
    return {
        "Idempotency-Key": delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: ",".join(sign(secret, timestamp, body) for secret in secrets),
    }


def verify(
    secret: str, headers: dict[str, str], body: bytes, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """What a receiver checks: one of the signatures matches its secret and the timestamp is fresh."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered[TIMESTAMP_HEADER.lower()])
        given = lowered[SIGNATURE_HEADER.lower()]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    # Every candidate is compared, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(candidate.strip(), expected) for candidate in given.split(",")]
    return any(matches)
