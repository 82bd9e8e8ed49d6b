"""Who may act for whom in services/commitments (DESIGN.md §8)."""

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden, Principal, Role
from neuguong.runtime.errors import CommandRejected, NotFound
from services.commitments import store

COMMITTEES: tuple[Role, ...] = ("committee",)
CELL_LEADERSHIP: tuple[Role, ...] = ("cell_secretary", "committee")


async def member_in_reach(
    conn: asyncpg.Connection,
    principal: Principal,
    member_id: str,
    *,
    others: tuple[Role, ...],
    unknown: type[CommandRejected] = CommandRejected,
) -> tuple[directory.Member, list[str]]:
    """The member and their unit path, once the principal may act for them.

    A member acts for themselves; the roles in `others` act for members of their subtree.
    """
    found = await directory.find_member_and_path(conn, member_id)
    return reach_member(principal, member_id, found, others=others, unknown=unknown)


def reach_member(
    principal: Principal,
    member_id: str,
    found: tuple[directory.Member, list[str]] | None,
    *,
    others: tuple[Role, ...],
    unknown: type[CommandRejected] = CommandRejected,
) -> tuple[directory.Member, list[str]]:
    """`member_in_reach` on what the directory answered for `member_id` (looked up beforehand, with others)."""
    if found is None or found[0].left_party:
        raise unknown("member_id", "unknown member")
    member, path = found
    if principal.sub != member_id:  # everyone files, reviews and reports their own commitment
        if principal.role == "member":
            raise Forbidden("member_id: a member may only act for themselves")
        principal.require_role(*others)
    path = directory.require_path(path, "member_id", "the member's cell")
    if principal.sub != member_id:
        principal.require_subtree(path)
    return member, path


async def commitment_in_reach(
    conn: asyncpg.Connection, principal: Principal, commitment_id: str, others: tuple[Role, ...]
) -> tuple[asyncpg.Record, directory.Member, list[str]]:
    """The locked commitment, its member and unit path, once the principal may act on it."""
    row = await store.lock_commitment(conn, commitment_id)
    if row is None:
        raise NotFound("commitment_id", "unknown commitment")
    member, path = await member_in_reach(conn, principal, row["member_id"], others=others)
    return row, member, path


async def rateable_in_reach(
    conn: asyncpg.Connection, principal: Principal, commitment_id: str
) -> tuple[asyncpg.Record, directory.Member, list[str]]:
    """The locked commitment a principal may rate: the competent unit rates, never the member (rule 3)."""
    if principal.role == "member":
        raise Forbidden("role: a member cannot rate a commitment, not even their own")
    row, member, path = await commitment_in_reach(conn, principal, commitment_id, CELL_LEADERSHIP)
    if principal.sub == member.member_id:
        raise Forbidden("member_id: nobody rates their own commitment; the competent unit does")
    return row, member, path


async def cell_in_reach(conn: asyncpg.Connection, principal: Principal, cell_id: str) -> list[str]:
    """The cell's unit path, once the principal is its secretary or a committee above it."""
    path = await directory.unit_path(conn, cell_id)
    if await directory.unit_level(conn, cell_id) != "cell":
        raise CommandRejected("cell_id", "unknown cell")
    principal.require_role(*CELL_LEADERSHIP)
    principal.require_subtree(directory.require_path(path, "cell_id", "the cell"))
    return path
