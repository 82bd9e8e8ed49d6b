"""Bearer JWTs with an asymmetric signature: who acts, in which role, over which unit subtree."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

Role = Literal["member", "cell_secretary", "committee", "inspector", "publisher", "operator"]
ROLES: frozenset[str] = frozenset(get_args(Role))
ALGORITHMS = ["EdDSA", "ES256", "RS256"]  # asymmetric only: a verifier can never mint


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


class TokenVerifier:
    """Verifies tokens against one public key, issuer and audience."""

    def __init__(self, public_key_pem: bytes, issuer: str, audience: str) -> None:
        self.key = serialization.load_pem_public_key(public_key_pem)
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def from_file(cls, path: Path, issuer: str, audience: str) -> "TokenVerifier":
        """Load the public key from a PEM file."""
        return cls(path.read_bytes(), issuer, audience)

    def verify(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization: Bearer …` header, or Unauthenticated saying why."""
        if not authorization:
            raise Unauthenticated("authorization: missing bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization: expected 'Bearer <token>'")
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"authorization: invalid token ({error})") from error
        role, unit = claims.get("role"), claims.get("unit")
        if role not in ROLES or not isinstance(unit, str) or not unit:
            raise Unauthenticated("authorization: token lacks a valid role or unit claim")
        return Principal(sub=str(claims["sub"]), role=role, unit=unit)


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
    claims = {"sub": sub, "role": role, "unit": unit, "iss": issuer, "aud": audience,
              "iat": now, "exp": now + ttl}
    return jwt.encode(claims, serialization.load_pem_private_key(private_key_pem, None), algorithm="EdDSA")
