"""`neuguong serve commitments --workers 2` on the real broker and database: two processes accept on the one
port, and exactly one of their relays leads (the advisory lock), the other waits. With NG_OPERATIONS_PORT,
/metrics and /docs answer on that port alone."""

import asyncio
import os
import socket
import sys
from pathlib import Path

from neuguong.runtime import locks
from tests.integration.harness import admin_connection, eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(pid: int) -> list[int]:
    """The worker processes `pid` spawned (not multiprocessing's resource tracker)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            parent = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if parent == pid and b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(int(proc.name))
    return found


def established_on(pid: int, port: int) -> int:
    """How many TCP connections to local `port` process `pid` holds, accepted and open (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if local_port == port and state == "01" and inode in inodes:
            count += 1
    return count


async def status_line(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status = await reader.readline()
    writer.close()
    return status


async def ready(port: int) -> bool:
    try:
        return b" 200 " in await status_line(port, "/readyz")
    except OSError:
        return False


async def leaders(admin, schema: str) -> list[str]:
    """The relay sessions holding the service's leader lock."""
    return await admin.fetch(
        """SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = hashtext($2)::oid
             AND a.datname = current_database()""",
        locks.RELAY_LEADER,
        schema,
    )


async def test_two_workers_share_the_port_and_one_relay_leads(system):
    port, operations = free_port(), free_port()
    env = {**os.environ, "NG_TOPIC_PREFIX": system.prefix, "NG_LOG_LEVEL": "WARNING", "NG_ENVIRONMENT": "test"}
    env["NG_OPERATIONS_PORT"] = str(operations)
    env.setdefault("NG_PG_DATABASE", "neuguong_test")
    neuguong = str(Path(sys.executable).with_name("neuguong"))
    server = await asyncio.create_subprocess_exec(
        neuguong, "serve", "commitments", "--port", str(port), "--workers", "2", env=env
    )
    admin = await admin_connection()
    try:
        await eventually(lambda: ready(port), timeout=90, interval=0.3)
        workers = await eventually(lambda: _two(workers_of(server.pid)), timeout=30)
        for path in ("/metrics", "/docs", "/openapi.json"):
            assert b" 404 " in await status_line(port, path), path
            assert b" 200 " in await status_line(operations, path), path
        assert b" 404 " in await status_line(operations, "/units/lc/commitments")

        # Twenty keep-alive connections open at once: the kernel hands them to both workers' accept loops
        # (once both accept: the first ready worker may answer alone while the second still starts).
        async def both_serve() -> dict[int, int] | None:
            connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
            try:
                for reader, writer in connections:
                    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    assert b" 200 " in await reader.readline()
                served = {pid: established_on(pid, port) for pid in workers}
            finally:
                for _, writer in connections:
                    writer.close()
            assert sum(served.values()) == 20, served
            return served if all(served.values()) else None

        await eventually(both_serve, timeout=60, interval=1.0)

        # Both relays are connected; one holds the lock, the other polls for it.
        relays = """SELECT count(*) FROM pg_stat_activity
                    WHERE application_name = 'commitments-relay' AND datname = current_database()"""
        await eventually(lambda: _equals(admin.fetchval(relays), 2), timeout=30)
        assert len(await leaders(admin, "commitments")) == 1
        holder = await admin.fetchval("SELECT holder FROM commitments.relay_leadership")
        assert int(holder.rpartition(":")[2]) in workers
    finally:
        await admin.close()
        server.terminate()
        await server.wait()


async def _two(pids: list[int]) -> list[int] | None:
    return pids if len(pids) == 2 else None


async def _equals(value, expected) -> bool:
    return await value == expected
