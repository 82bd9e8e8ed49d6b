"""Bearer tokens: asymmetric signatures only, role and unit claims, subtree checks."""

from datetime import timedelta

import jwt
import pytest

from neuguong.runtime.auth import Forbidden, Principal, TokenVerifier, Unauthenticated, generate_key_pair, mint_token

PRIVATE, PUBLIC = generate_key_pair()
VERIFIER = TokenVerifier(PUBLIC, "neuguong", "neuguong")


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_valid_token_gives_its_principal():
    token = mint_token(PRIVATE, sub="m1", role="committee", unit="lc-x1")
    assert VERIFIER.verify(bearer(token)) == Principal(sub="m1", role="committee", unit="lc-x1")


@pytest.mark.parametrize("header, reason", [
    (None, "missing bearer token"),
    ("Basic abc", "expected 'Bearer <token>'"),
    ("Bearer not.a.jwt", "invalid token"),
])
def test_missing_or_malformed_tokens_are_unauthenticated(header, reason):
    with pytest.raises(Unauthenticated, match=reason):
        VERIFIER.verify(header)


def test_a_token_signed_by_another_key_is_refused():
    other_private, _ = generate_key_pair()
    with pytest.raises(Unauthenticated, match="invalid token"):
        VERIFIER.verify(bearer(mint_token(other_private, sub="m1", role="operator", unit="lc")))


def test_an_expired_token_is_refused():
    token = mint_token(PRIVATE, sub="m1", role="member", unit="c1", ttl=timedelta(seconds=-5))
    with pytest.raises(Unauthenticated, match="expired"):
        VERIFIER.verify(bearer(token))


def test_a_symmetric_hs256_token_is_refused():
    forged = jwt.encode({"sub": "x", "role": "operator", "unit": "lc", "iss": "neuguong", "aud": "neuguong",
                         "exp": 9999999999}, "a-shared-secret-of-at-least-32-bytes", algorithm="HS256")
    with pytest.raises(Unauthenticated):
        VERIFIER.verify(bearer(forged))


def test_an_unknown_role_is_refused():
    token = mint_token(PRIVATE, sub="m1", role="member", unit="c1")
    claims = jwt.decode(token, options={"verify_signature": False})
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(PRIVATE, None)
    forged = jwt.encode({**claims, "role": "king"}, key, algorithm="EdDSA")
    with pytest.raises(Unauthenticated, match="role or unit"):
        VERIFIER.verify(bearer(forged))


def test_subtree_and_role_checks():
    committee = Principal(sub="u", role="committee", unit="lc-x1")
    committee.require_subtree(["lc", "lc-x1", "lc-x1-c1"])
    with pytest.raises(Forbidden, match="outside the subtree"):
        committee.require_subtree(["lc", "lc-x2", "lc-x2-c1"])
    with pytest.raises(Forbidden, match="role"):
        committee.require_role("inspector")
