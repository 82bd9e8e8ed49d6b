"""Where a channel may point: the public internet only, unless an operator allow-lists a network; loopback is
allowed by default in development and test (the local demo's and the tests' receivers), nothing in production.
Every special-purpose range is refused, also when an IPv6 address carries it (IPv4-mapped, 6to4, NAT64)."""

import ipaddress

import pytest

from services.notifications import targets
from services.notifications.settings import DeliverySettings

REFUSED = {
    "169.254.169.254": "link-local",  # AWS, GCP and Azure metadata
    "100.100.100.200": "private",  # Alibaba Cloud metadata (shared address space 100.64/10)
    "fd00::1": "private",
    "fd00:ec2::254": "private",  # AWS metadata over IPv6
    "::1": "loopback",
    "10.0.0.1": "private",
    "10.255.255.255": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "0.0.0.0": "unspecified",  # noqa: S104 - an address a channel may not reach, not one bound to
    "::": "unspecified",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "link-local",
    "::ffff:10.1.2.3": "private",
    "2002:7f00:1::": "loopback",  # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 of 169.254.169.254
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "192.0.2.10": "private",  # documentation
    "240.0.0.1": "private",  # reserved for future use
    "fec0::1": "reserved",  # site-local
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "113.160.0.1", "2001:4860:4860::8888", "2606:4700::1111"]
LOOPBACK_ONLY = targets.default_networks("development")


@pytest.mark.parametrize("address, kind", REFUSED.items())
def test_special_purpose_addresses_are_no_place_for_a_channel(address, kind):
    refusal = targets.address_refusal(ipaddress.ip_address(address), ())
    assert refusal is not None and refusal.startswith(str(ipaddress.ip_address(address))) and kind in refusal


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are(address):
    assert targets.address_kind(ipaddress.ip_address(address)) is None
    assert targets.address_refusal(ipaddress.ip_address(address), ()) is None


def test_production_allows_nothing_by_default_and_elsewhere_only_loopback():
    assert targets.default_networks("production") == ()
    for environment in ("development", "test"):
        allowed = targets.default_networks(environment)
        assert targets.address_refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
        assert targets.address_refusal(ipaddress.ip_address("::1"), allowed) is None
        assert targets.address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
        for address in ("169.254.169.254", "10.0.0.1", "192.168.1.1", "fd00::1", "0.0.0.0"):  # noqa: S104 - refused
            assert targets.address_refusal(ipaddress.ip_address(address), allowed) is not None, address


def test_an_allow_listed_network_is_reachable_and_nothing_beside_it():
    allowed = DeliverySettings(allowed_networks="10.20.0.0/16, fd00:1::/32").allowed_networks
    assert targets.address_refusal(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert targets.address_refusal(ipaddress.ip_address("::ffff:10.20.3.4"), allowed) is None
    assert targets.address_refusal(ipaddress.ip_address("fd00:1::5"), allowed) is None
    assert targets.address_refusal(ipaddress.ip_address("10.21.0.1"), allowed) is not None
    assert targets.address_refusal(ipaddress.ip_address("127.0.0.1"), allowed) is not None
    assert DeliverySettings(allowed_networks="").allowed_networks == []  # explicitly none, even in development
    assert DeliverySettings().allowed_networks is None  # unset: the environment's default


@pytest.mark.parametrize(
    "host, refused",
    [
        ("127.0.0.1", True),
        ("[::1]", True),
        ("[::ffff:7f00:1]", True),  # how a URL spells ::ffff:127.0.0.1
        ("169.254.169.254", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("portal.localhost", True),
        ("8.8.8.8", False),
        ("congthongtin.laocai.gov.vn", False),  # a name: checked when it is resolved
        ("localhost.example", False),
    ],
)
def test_a_url_host_is_judged_without_dns_when_it_can_be(host, refused):
    assert (targets.host_refusal(host, ()) is not None) is refused
    loopback = host.lower().rstrip(".").endswith("localhost") or "::1" in host or "7f00" in host or "127." in host
    assert (targets.host_refusal(host, LOOPBACK_ONLY) is not None) is (refused and not loopback)


def test_a_name_is_refused_when_any_of_its_addresses_is():
    public, private = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.7")
    assert targets.resolved_refusal("portal.example", [public], ()) is None
    refusal = targets.resolved_refusal("portal.example", [public, private], ())
    assert refusal is not None and refusal.startswith("portal.example resolves to 10.0.0.7, a private address")
