"""Bearer JWTs with an asymmetric signature: who acts, in which role, over which unit subtree."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

Role = Literal["member", "cell_secretary", "committee", "inspector", "publisher", "operator"]
ROLES: frozenset[str] = frozenset(get_args(Role))
ALGORITHMS = ["EdDSA", "ES256", "RS256"]  # asymmetric only: a verifier can never mint
KEY_ALGORITHMS: dict[type, str] = {Ed25519PublicKey: "EdDSA", EllipticCurvePublicKey: "ES256", RSAPublicKey: "RS256"}
DEFAULT_MAX_LIFETIME = timedelta(hours=24)


class Unauthenticated(Exception):
    """No token, or one that does not verify (401)."""


class Forbidden(Exception):
    """A valid token acting outside its role or subtree (403)."""


@dataclass(frozen=True)
class Principal:
    """The subject of a verified token."""

    sub: str
    role: Role
    unit: str

    def require_role(self, *roles: Role) -> None:
        """Refuse unless the token carries one of `roles`."""
        if self.role not in roles:
            raise Forbidden(f"role: {self.role!r} may not do this (needs one of {', '.join(roles)})")

    def require_subtree(self, unit_path: list[str]) -> None:
        """Refuse unless the target (given by its unit_path, root first) lies in the token's subtree."""
        if self.unit not in unit_path:
            raise Forbidden(f"unit: {unit_path[-1] if unit_path else '?'} is outside the subtree of {self.unit}")


VERIFIED_TOKENS_KEPT = 10_000
"""How many verified tokens a verifier remembers (the oldest goes first): a province's active users and more."""


class TokenVerifier:
    """Verifies tokens against one public key, issuer and audience."""

    def __init__(
        self, public_key_pem: bytes, issuer: str, audience: str, max_lifetime: timedelta = DEFAULT_MAX_LIFETIME
    ) -> None:
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey):
            raise ValueError(f"jwt_public_key_file: a {type(key).__name__} cannot verify tokens (EdDSA, ES256, RS256)")
        self.key = key
        # The one algorithm this key verifies: a token naming another is refused before its signature is read
        # (PyJWT would hand an Ed25519 key to the RSA or EC code and fail with a TypeError).
        self.algorithm = next(name for kind, name in KEY_ALGORITHMS.items() if isinstance(key, kind))
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime
        self._verified: dict[str, tuple[Principal, int]] = {}

    @classmethod
    def from_file(
        cls, path: Path, issuer: str, audience: str, max_lifetime: timedelta = DEFAULT_MAX_LIFETIME
    ) -> "TokenVerifier":
        """Load the public key from a PEM file."""
        return cls(path.read_bytes(), issuer, audience, max_lifetime)

    def verify(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer …` header, or Unauthenticated saying why.

        A token verified once is remembered until it expires: the same bytes under the same key verify the same
        way, and a client sends its token with every request (a fresh token costs ~0,17 ms here, 0,12 ms of it
        the Ed25519 signature)."""
        if not authorization:
            raise Unauthenticated("authorization: missing bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization: expected 'Bearer <token>'")
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires = remembered
            if time.time() < expires:  # as PyJWT: expired from exp on
                return principal
            del self._verified[token]  # expired: verified again below, which says so
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            del self._verified[next(iter(self._verified))]  # the oldest remembered
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, int]:
        try:
            # Only the key's own algorithm is allowed: PyJWT refuses a token naming another before it reads the
            # signature (given more, it would hand an Ed25519 key to the RSA or EC code: a TypeError). The header
            # is parsed once, there; a second parse up front cost ~15 % of a fresh token's check.
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.InvalidAlgorithmError as error:
            algorithm = jwt.get_unverified_header(token).get("alg")
            raise Unauthenticated(
                f"authorization: invalid token (algorithm {algorithm!r}; this service takes {self.algorithm})"
            ) from error
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise Unauthenticated(f"authorization: invalid token ({error})") from error
        if int(claims["exp"]) - time.time() > self.max_lifetime.total_seconds():
            raise Unauthenticated(f"authorization: the token lives longer than {self.max_lifetime} (exp too far ahead)")
        role, unit = claims.get("role"), claims.get("unit")
        if role not in ROLES or not isinstance(unit, str) or not unit:
            raise Unauthenticated("authorization: token lacks a valid role or unit claim")
        return Principal(sub=str(claims["sub"]), role=role, unit=unit), int(claims["exp"])


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM), for development and tests."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def mint_token(
    private_key_pem: bytes,
    *,
    sub: str,
    role: Role,
    unit: str,
    issuer: str = "neuguong",
    audience: str = "neuguong",
    ttl: timedelta = timedelta(hours=8),
) -> str:
    """Sign a token the way the identity provider does (development and tests only)."""
    now = datetime.now(UTC)
    claims = {"sub": sub, "role": role, "unit": unit, "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl}
    key = serialization.load_pem_private_key(private_key_pem, None)
    if not isinstance(key, Ed25519PrivateKey | EllipticCurvePrivateKey | RSAPrivateKey):
        raise ValueError(f"private key: a {type(key).__name__} cannot sign tokens")
    return jwt.encode(claims, key, algorithm="EdDSA")
