"""Bearer tokens: asymmetric signatures only, role and unit claims, subtree checks."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from neuguong.runtime import auth
from neuguong.runtime.auth import Forbidden, Principal, TokenVerifier, Unauthenticated, generate_key_pair, mint_token

PRIVATE, PUBLIC = generate_key_pair()
VERIFIER = TokenVerifier(PUBLIC, "neuguong", "neuguong")


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_valid_token_gives_its_principal():
    token = mint_token(PRIVATE, sub="m1", role="committee", unit="lc-x1")
    assert VERIFIER.verify(bearer(token)) == Principal(sub="m1", role="committee", unit="lc-x1")


@pytest.mark.parametrize(
    "header, reason",
    [
        (None, "missing bearer token"),
        ("Basic abc", "expected 'Bearer <token>'"),
        ("Bearer not.a.jwt", "invalid token"),
    ],
)
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


def test_a_remembered_token_still_expires_at_its_exp():
    verifier = TokenVerifier(PUBLIC, "neuguong", "neuguong")
    token = mint_token(PRIVATE, sub="m1", role="member", unit="c1", ttl=timedelta(seconds=3))  # exp: whole seconds
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert verifier.verify(bearer(token)) == verifier.verify(bearer(token)) == Principal("m1", "member", "c1")
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(bearer(token))


def test_a_remembered_token_is_told_apart_from_a_tampered_copy():
    verifier = TokenVerifier(PUBLIC, "neuguong", "neuguong")
    token = mint_token(PRIVATE, sub="m1", role="member", unit="c1")
    verifier.verify(bearer(token))
    head, claims, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["role"] = "operator"
    raised = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated, match="invalid token"):
        verifier.verify(bearer(f"{head}.{raised}.{signature}"))


def test_the_verifier_remembers_a_bounded_number_of_tokens(monkeypatch):
    monkeypatch.setattr(auth, "VERIFIED_TOKENS_KEPT", 2)
    verifier = TokenVerifier(PUBLIC, "neuguong", "neuguong")
    tokens = [mint_token(PRIVATE, sub=f"m{i}", role="member", unit="c1") for i in range(3)]
    assert [verifier.verify(bearer(t)).sub for t in tokens] == ["m0", "m1", "m2"]
    assert list(verifier._verified) == tokens[1:]


def test_a_symmetric_hs256_token_is_refused():
    forged = jwt.encode(
        {"sub": "x", "role": "operator", "unit": "lc", "iss": "neuguong", "aud": "neuguong", "exp": 9999999999},
        "a-shared-secret-of-at-least-32-bytes",
        algorithm="HS256",
    )
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


# A token must use the algorithm of the service's key, and may not live for decades.


def other_keys():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    return {"RS256": rsa.generate_private_key(65537, 2048), "ES256": ec.generate_private_key(ec.SECP256R1())}


CLAIMS = {"sub": "x", "role": "operator", "unit": "lc", "iss": "neuguong", "aud": "neuguong"}


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_token_in_another_asymmetric_algorithm_is_a_401_not_a_crash(algorithm):
    key = other_keys()[algorithm]
    forged = jwt.encode({**CLAIMS, "exp": int(time.time()) + 600}, key, algorithm=algorithm)
    with pytest.raises(Unauthenticated, match=f"algorithm '{algorithm}'"):
        VERIFIER.verify(bearer(forged))


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "none", "HS256"])
def test_a_header_naming_another_algorithm_over_an_eddsa_signature_is_refused(algorithm):
    token = mint_token(PRIVATE, sub="m1", role="operator", unit="lc")
    _, payload, signature = token.split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": algorithm, "typ": "JWT"}).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated, match="invalid token"):
        VERIFIER.verify(bearer(f"{header}.{payload}.{signature}"))


def test_a_verifier_with_an_rsa_key_takes_rs256_and_only_that():
    from cryptography.hazmat.primitives import serialization

    key = other_keys()["RS256"]
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    verifier = TokenVerifier(public, "neuguong", "neuguong")
    good = jwt.encode({**CLAIMS, "exp": int(time.time()) + 600}, key, algorithm="RS256")
    assert verifier.verify(bearer(good)).sub == "x"
    with pytest.raises(Unauthenticated, match="algorithm 'EdDSA'"):
        verifier.verify(bearer(mint_token(PRIVATE, sub="m1", role="operator", unit="lc")))


def test_a_token_that_lives_until_2100_is_refused():
    token = mint_token(PRIVATE, sub="m1", role="operator", unit="lc", ttl=datetime(2100, 1, 1, tzinfo=UTC) - now())
    with pytest.raises(Unauthenticated, match="lives longer than"):
        VERIFIER.verify(bearer(token))


def test_the_lifetime_cap_is_a_setting():
    token = mint_token(PRIVATE, sub="m1", role="operator", unit="lc", ttl=timedelta(hours=8))
    assert VERIFIER.verify(bearer(token)).sub == "m1"  # the default cap is a day
    strict = TokenVerifier(PUBLIC, "neuguong", "neuguong", max_lifetime=timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="lives longer than 1:00:00"):
        strict.verify(bearer(token))


def now():
    return datetime.now(UTC)
