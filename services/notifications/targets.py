"""Which addresses a channel may reach (pure rules): the public internet, never this host, the private
network, link-local ranges (where cloud metadata answers) or other special-purpose ranges, unless an
operator allow-lists a network for them."""

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
"""What development and test reach by default: the local demo's and the tests' receivers listen there."""
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def default_networks(environment: str) -> tuple[Network, ...]:
    """The allow-list when none is configured: nothing in production, loopback elsewhere."""
    return () if environment == "production" else LOOPBACK


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries and is routed to (IPv4-mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: Address) -> str | None:
    """What makes an address no place for a channel ('loopback', 'private', ...); None for a public one."""
    inner = embedded_ipv4(address)
    if inner is not None and address_kind(inner) is not None:
        return address_kind(inner)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private or not address.is_global:
        return "private"
    if address.is_reserved or getattr(address, "is_site_local", False):
        return "reserved"
    return None


def allow_listed(address: Address, allowed: Iterable[Network]) -> bool:
    """In one of the allowed networks (an IPv6 address carrying an IPv4 one: either)."""
    candidates = [address, *filter(None, [embedded_ipv4(address)])]
    return any(candidate in network for network in allowed for candidate in candidates)


ONLY_PUBLIC = "channels reach only public addresses and networks in NG_NOTIFY_ALLOWED_NETWORKS"


def address_refusal(address: Address, allowed: Iterable[Network]) -> str | None:
    """What is wrong with reaching `address` ("10.0.0.5, a private address"); None when a channel may."""
    kind = address_kind(address)
    if kind is None or allow_listed(address, allowed):
        return None
    inner = embedded_ipv4(address)
    note = " (where cloud metadata answers)" if kind == "link-local" else ""
    return f"{address}{f' ({inner})' if inner else ''}, a {kind} address{note}"


def ip_literal(host: str) -> Address | None:
    """The address a URL's host names literally (`[::1]` included), or None for a name."""
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def host_refusal(host: str, allowed: Sequence[Network]) -> str | None:
    """Why a URL's host is refused without asking DNS: a refused literal address, or `localhost` (RFC 6761)."""
    literal = ip_literal(host)
    if literal is not None:
        reason = address_refusal(literal, allowed)
        return None if reason is None else f"{reason}: {ONLY_PUBLIC}"
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return resolved_refusal(host, [ipaddress.ip_address("127.0.0.1")], allowed)
    return None


def resolved_refusal(host: str, addresses: Iterable[Address], allowed: Sequence[Network]) -> str | None:
    """Why a name is refused: any one of its addresses is (a name must not straddle public and private)."""
    for address in addresses:
        reason = address_refusal(address, allowed)
        if reason is not None:
            return f"{host} resolves to {reason}: {ONLY_PUBLIC}"
    return None
