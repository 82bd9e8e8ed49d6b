"""HTTP commands: POST /commitments through a real `neuguong serve commitments`, against plain INSERTs.

    python -m bench.commands --requests 2000 --concurrency 8

A real `neuguong serve commitments` process (uvicorn, one worker) is started on a free port with
the run's topic prefix and a fresh signing key; the demo directory of `--communes` communes is
published to Kafka and the bench waits until the service's local directory holds every unit and member.
Then, with `--concurrency` requests in flight from this process (`--client raw`: a bare HTTP/1.1
keep-alive client, one connection per request in flight; `--client httpx`: httpx.AsyncClient):

1. GET /healthz: the HTTP stack alone (uvicorn, FastAPI, middlewares, this client).
2. POST /commitments, each member filing as themselves (their own token, a fresh Idempotency-Key),
   over as many years as needed for `--requests` distinct (member, year) pairs. Every answer must
   be 201. Each command is one transaction: idempotency lock and lookup, member and unit path,
   the commitment row, its outbox row and the stored answer. The service's relay publishes the
   events meanwhile, as in production; the time until its outbox is drained is printed too.
   Then each filing's January self-review, POST /commitments/{id}/self-reflections by its member: the
   command every member sends every month.
3. Baseline: the same number of single-row INSERTs (the same content as JSON) into a plain table
   through an asyncpg pool, at the same concurrency.
4. The same commands without HTTP: the service's command table and its transaction
   (neuguong.runtime.http.transact) called from this process, with no token, FastAPI or JSON answer, on a
   pool like the server's, at the same concurrency (members filing for years of their own). What
   POST /commitments costs beyond it is the HTTP side.
5. The server is restarted as `neuguong serve commitments --workers 2` (`--workers`) on the same schema,
   and POST /commitments runs again with twice the requests in flight (members filing for earlier years).

Client and server share this machine's cores, so the HTTP figures include the client's own cost;
the CPU each used per request is printed (from /proc) with the PostgreSQL backends' share.
"""

import asyncio
import contextlib
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.common import (
    Figure,
    admin_connection,
    arguments,
    bench_slice,
    comparison,
    directory_copied,
    per_second,
    percentile,
    quiet,
    report,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from neuguong.numbers import vi_number
from neuguong.runtime.auth import Principal, generate_key_pair, mint_token
from neuguong.runtime.clock import SystemClock
from neuguong.runtime.commands import CommandBus
from neuguong.runtime.db import create_pool
from neuguong.runtime.http import transact
from ops.directory.demo import build_demo_directory
from ops.directory.importer import publish_directory
from services.commitments.app import DEFINITION
from services.commitments.commands import FileCommitment

COMMAND = {
    "limitations": ["Ngại va chạm", "Chưa thường xuyên tự học, tự rèn luyện"],
    "plan": [
        {"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": "{year}-12-31"},
        {"title": "Gương mẫu trong thực hiện nhiệm vụ được giao", "deadline": "{year}-06-30"},
    ],
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def postgres_cpu(admin) -> float:
    """CPU of the running PostgreSQL backends (children of the postmaster; needs a local server)."""
    backend = await admin.fetchval("SELECT pg_backend_pid()")
    try:
        postmaster = Path(f"/proc/{backend}/stat").read_text().rpartition(")")[2].split()[1]
    except OSError:
        return 0.0
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "stat").read_text().rpartition(")")[2].split()[1] == postmaster:
                    total += cpu_seconds(int(proc.name))
            except OSError:
                continue
    return total


class Usage:
    """CPU of the server, of this client and of the PostgreSQL backends over one phase."""

    def __init__(self, server_pid: int, admin) -> None:
        self.server_pid, self.admin = server_pid, admin

    async def __aenter__(self) -> "Usage":
        self._start = (cpu_seconds(self.server_pid), time.process_time(), await self._postgres_cpu())
        return self

    async def __aexit__(self, *exc: object) -> None:
        server, client, postgres = self._start
        self.server = cpu_seconds(self.server_pid) - server
        self.client = time.process_time() - client
        self.postgres = await self._postgres_cpu() - postgres

    async def _postgres_cpu(self) -> float:
        return await postgres_cpu(self.admin)

    def note(self, count: int) -> str:
        per = 1000 / count
        return (
            f"CPU per request: server {vi_decimal(self.server * per)} ms, client {vi_decimal(self.client * per)} ms, "
            f"PostgreSQL {vi_decimal(self.postgres * per)} ms"
        )


def commitment_body(member, year: int) -> bytes:
    """The JSON body of POST /commitments for `member` and `year`."""
    return (
        json.dumps({"member_id": member.member_id, "year": year, **COMMAND}, ensure_ascii=False)
        .replace("{year}", str(year))
        .encode()
    )


async def file_commitment(
    request: Callable[..., Awaitable[tuple[int, bytes]]], member, year: int, token: str, key: str, what: str = ""
) -> bytes:
    """POST /commitments for `member` and `year` through a raw client's `request`; the answer's body (a 201)."""
    body = commitment_body(member, year)
    status, content = await request("POST", "/commitments", body, {"Authorization": token, "Idempotency-Key": key})
    if status != 201:
        raise SystemExit(f"POST /commitments{what}: {status} {content.decode()}")
    return content


class RawClient:
    """A bare HTTP/1.1 keep-alive client (one connection per request in flight), so that the client's
    own cost stays small next to the server's on a machine they share. Enough for this server only."""

    def __init__(self, port: int, size: int) -> None:
        self.port, self.size = port, size
        self._idle: asyncio.Queue = asyncio.Queue()

    async def __aenter__(self) -> "RawClient":
        for _ in range(self.size):
            self._idle.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))
        return self

    async def __aexit__(self, *exc: object) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        reader, writer = await self._idle.get()
        try:
            return await self._exchange(reader, writer, method, path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed a connection left idle past its keep-alive timeout: open a new one, once.
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            return await self._exchange(reader, writer, method, path, body, headers)
        finally:
            self._idle.put_nowait((reader, writer))

    async def _exchange(
        self, reader, writer, method: str, path: str, body: bytes, headers: dict[str, str] | None
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        if "content-length" in fields:
            content = await reader.readexactly(int(fields["content-length"]))
        else:  # chunked
            content = b""
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                content += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        return int(status_line.split()[1]), content


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_at(concurrency: int, jobs: list, one: Callable[..., Awaitable[None]]) -> tuple[float, list[float]]:
    """Run `one(job)` for every job with `concurrency` in flight; seconds and latencies (ms)."""
    queue = list(reversed(jobs))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            job = queue.pop()
            started = time.perf_counter()
            await one(job)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], requests=2000, concurrency=8, communes=3, client="raw", workers=2)
    quiet()
    async with bench_slice("commitments") as prefix, _keys() as (private_key, public_file):
        config = settings("commitments", prefix)
        port = free_port()
        server_env = serve_env(config, public_file)
        server = await serve(port, server_env, workers=1)
        print(f"server: neuguong serve commitments, pid {server.pid}, port {port}", file=sys.stderr)
        pool = None
        admin = await admin_connection()
        try:
            limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:

                async def answering() -> bool:
                    try:
                        return (await client.get("/readyz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await wait_for(answering, timeout=60, interval=0.2)
                pool_max = config.pg_pool_max  # the server's (default NG_PG_POOL_MAX)
                pool = await create_pool(
                    settings("commitments", prefix, pg_pool_max=args.concurrency), min_size=args.concurrency
                )

                directory = build_demo_directory(communes=args.communes)
                started = time.perf_counter()
                await publish_directory(config, directory, source_name="bench")
                published = time.perf_counter() - started
                await wait_for(lambda: directory_copied(pool, directory), timeout=120)
                directory_seconds = time.perf_counter() - started

                members = [m for m in directory.members if not m.left]
                years = range(2026, 2026 - (args.requests // len(members) + 1), -1)
                jobs = [(m, year) for year in years for m in members][: args.requests]
                tokens = {
                    m.member_id: f"Bearer {mint_token(private_key, sub=m.member_id, role='member', unit=m.cell_id)}"
                    for m in members
                }

                if args.client == "httpx":

                    async def call(
                        method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
                    ) -> tuple[int, bytes]:
                        reply = await client.request(
                            method, path, content=body, headers={"Content-Type": "application/json", **(headers or {})}
                        )
                        return reply.status_code, reply.content

                    raw = contextlib.nullcontext()
                else:
                    raw = RawClient(port, args.concurrency)
                    call = raw.request

                async def health(_: object) -> None:
                    status, content = await call("GET", "/healthz")
                    if status != 200:
                        raise SystemExit(f"GET /healthz: {status} {content!r}")

                async def file(job) -> None:
                    member, year = job
                    await file_commitment(
                        call, member, year, tokens[member.member_id], f"bench-{member.member_id}-{year}"
                    )

                async with raw:
                    # Warm up connections and code paths on a few health checks first.
                    await run_at(args.concurrency, list(range(200)), health)
                    async with Usage(server.pid, admin) as health_usage:
                        health_seconds, health_latencies = await run_at(
                            args.concurrency, list(range(args.requests)), health
                        )

                    async with Usage(server.pid, admin) as command_usage:
                        command_seconds, command_latencies = await run_at(args.concurrency, jobs, file)
                    answered = time.perf_counter()
                    await wait_for(
                        lambda: pool.fetchval("SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"),
                        timeout=120,
                        interval=0.02,
                    )
                    drained = time.perf_counter() - answered
                    # Each filing's January self-review (tự soi, tự sửa), as its member sends it.
                    filed_ids = {
                        (row["member_id"], row["year"]): row["commitment_id"]
                        for row in await pool.fetch("SELECT member_id, year, commitment_id FROM commitments")
                    }

                    async def self_review(job) -> None:
                        member, year = job
                        path = f"/commitments/{filed_ids[(member.member_id, year)]}/self-reflections"
                        body = json.dumps({"month": f"{year}-01", "note": "Đã tham gia đầy đủ"}).encode()
                        headers = {"Authorization": tokens[member.member_id], "Idempotency-Key": f"tu-soi-{path}"}
                        status, content = await call("POST", path, body, headers)
                        if status != 201:
                            raise SystemExit(f"POST {path}: {status} {content.decode()}")

                    async with Usage(server.pid, admin) as review_usage:
                        review_seconds, review_latencies = await run_at(args.concurrency, jobs, self_review)
                filed = await pool.fetchval("SELECT count(*) FROM commitments")
                # One relay batch marks its rows in one statement, so they share published_at (now()).
                relay_batches = await pool.fetchval("SELECT count(DISTINCT published_at) FROM outbox")
                if filed != len(jobs):
                    raise SystemExit(f"commitments: {filed} rows, expected {len(jobs)}")

            await pool.execute(
                "CREATE TABLE bench_plain (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                "member_id text NOT NULL, year int NOT NULL, content jsonb NOT NULL)"
            )

            async def insert(job) -> None:
                member, year = job
                await pool.execute(
                    "INSERT INTO bench_plain (member_id, year, content) VALUES ($1, $2, $3)",
                    member.member_id,
                    year,
                    COMMAND,
                )

            async with Usage(server.pid, admin) as insert_usage:
                insert_seconds, insert_latencies = await run_at(args.concurrency, jobs, insert)

            # The same commands without HTTP: no token, no FastAPI, the body already a command. The service's
            # command table and its transaction (neuguong.runtime.http.transact), called from this process on
            # a pool like the server's, members filing for years of their own (the server's relay publishes).
            bus = CommandBus(DEFINITION.commands, DEFINITION.dependencies(config))
            transact_pool = await create_pool(config, min_size=args.concurrency)
            first = min(years) - 1
            later_years = range(first, first - (args.requests // len(members) + 1), -1)
            more_jobs = [(m, year) for year in later_years for m in members][: args.requests]
            first = min(later_years) - 1
            own_years = range(first, first - (args.requests // len(members) + 1), -1)
            direct_jobs = [(m, year) for year in own_years for m in members][: args.requests]

            async def file_directly(job) -> None:
                member, year = job
                command = FileCommitment.model_validate_json(commitment_body(member, year))
                principal = Principal(sub=member.member_id, role="member", unit=member.cell_id)
                key = f"bench-{member.member_id}-{year}"
                answer, _ = await transact(transact_pool, bus, config, SystemClock(), principal, key, command)
                if answer.status != 201:
                    raise SystemExit(f"the command's transaction: {answer.status} {answer.body}")

            try:
                async with Usage(server.pid, admin) as direct_usage:
                    direct_seconds, direct_latencies = await run_at(args.concurrency, direct_jobs, file_directly)
            finally:
                await transact_pool.close()

            # Two workers of the same service behind one port, on the same schema (the directory is there),
            # twice the requests in flight, members filing for earlier years.
            server.terminate()
            await server.wait()
            port = free_port()
            server = await serve(port, server_env, workers=args.workers)
            await wait_for(lambda: ready(port), timeout=90, interval=0.3)
            in_flight = args.concurrency * args.workers
            async with RawClient(port, in_flight) as raw_workers:

                async def file_there(job) -> None:
                    member, year = job
                    key = f"bench-{member.member_id}-{year}"
                    token = tokens[member.member_id]
                    await file_commitment(raw_workers.request, member, year, token, key, f" ({args.workers} workers)")

                await run_at(in_flight, list(range(200)), lambda _: raw_workers.request("GET", "/healthz"))
                workers_seconds, workers_latencies = await run_at(in_flight, more_jobs, file_there)
        finally:
            if pool is not None:
                await pool.close()
            await admin.close()
            server.terminate()
            await server.wait()

    figures = [
        Figure(
            "plain INSERT, asyncpg",
            len(jobs),
            insert_seconds,
            insert_latencies,
            note=f"pool of {vi_number(args.concurrency)}; {insert_usage.note(len(jobs))}",
        ),
        Figure(
            "GET /healthz (HTTP stack alone)",
            args.requests,
            health_seconds,
            health_latencies,
            note=health_usage.note(args.requests),
        ),
        Figure(
            "POST /commitments",
            len(jobs),
            command_seconds,
            command_latencies,
            note=f"service pool max {vi_number(pool_max)}; outbox drained {vi_decimal(drained)} s after",
        ),
    ]
    figures.append(
        Figure(
            "the command's transaction, no HTTP",
            len(direct_jobs),
            direct_seconds,
            direct_latencies,
            note=f"pool max {vi_number(pool_max)}; {direct_usage.note(len(direct_jobs))} (client: the commands)",
        )
    )
    figures.append(
        Figure(
            f"POST /commitments, {args.workers} workers",
            len(more_jobs),
            workers_seconds,
            workers_latencies,
            note=f"serve --workers {args.workers}, {vi_number(in_flight)} in flight",
        )
    )
    figures.append(
        Figure(
            "POST …/self-reflections",
            len(jobs),
            review_seconds,
            review_latencies,
            note=f"each filing's January review; {review_usage.note(len(jobs))}",
        )
    )
    write_results(
        args.json,
        [
            comparison(
                "POST /commitments, 1 worker",
                figures[2].rate,
                "requests/s",
                "GET /healthz, same process",
                figures[1].rate,
                "≥ 0,35×",
            ),
            comparison(
                "POST /commitments, 1 worker",
                figures[2].rate,
                "requests/s",
                "plain INSERT, asyncpg",
                figures[0].rate,
            ),
            comparison(
                f"POST /commitments, {args.workers} workers",
                figures[4].rate,
                "requests/s",
                "POST /commitments, 1 worker",
                figures[2].rate,
                "≥ 1.500 requests/s",
            ),
            comparison(
                "POST /commitments, 1 worker",
                figures[2].rate,
                "requests/s",
                "the command's transaction, no HTTP",
                figures[3].rate,
            ),
            comparison(
                "POST …/self-reflections, 1 worker",
                figures[5].rate,
                "requests/s",
                "GET /healthz, same process",
                figures[1].rate,
            ),
            comparison(
                "POST /commitments p99, 1 worker",
                round(percentile(command_latencies, 99), 2),
                "ms",
                "GET /healthz p99",
                round(percentile(health_latencies, 99), 2),
                higher_is_better=False,
            ),
        ],
    )
    report(
        "HTTP commands (services/commitments, real process)",
        figures,
        reference="plain INSERT, asyncpg",
        params={
            "requests": len(jobs),
            "concurrency": args.concurrency,
            "members": len(members),
            "communes": args.communes,
            "client": args.client,
        },
        unit="requests",
    )
    directory_events = len(directory.units) + len(directory.members)
    print(
        f"   directory: {vi_number(directory_events)} events published in {vi_decimal(published)} s and applied by "
        f"the service in {vi_decimal(directory_seconds)} s from the start "
        f"({vi_number(per_second(directory_events, directory_seconds))}/s, one upsert per event)"
    )
    print(
        f"   POST /commitments: {command_usage.note(len(jobs))} (the service's relay included); "
        f"the relay sent them in {vi_number(relay_batches)} batches "
        f"({vi_decimal(len(jobs) / relay_batches, 1)} events per batch)"
    )


def serve_env(config, public_file: Path) -> dict[str, str]:
    """The environment of a `neuguong serve` process of a benchmark: its topic prefix and database, quiet."""
    return {
        **os.environ,
        "NG_ENVIRONMENT": "test",
        "NG_TOPIC_PREFIX": config.topic_prefix,
        "NG_PG_DATABASE": config.pg_database,
        "NG_KAFKA_BOOTSTRAP": config.kafka_bootstrap,
        "NG_PG_PORT": str(config.pg_port),
        "NG_JWT_PUBLIC_KEY_FILE": str(public_file),
        "NG_LOG_LEVEL": "WARNING",
    }


async def serve(
    port: int, env: dict[str, str], *, workers: int = 1, name: str = "commitments"
) -> asyncio.subprocess.Process:
    """`neuguong serve NAME` on `port` with `workers` processes."""
    neuguong = Path(sys.executable).with_name("neuguong")
    return await asyncio.create_subprocess_exec(
        str(neuguong),
        "serve",
        name,
        "--port",
        str(port),
        "--workers",
        str(workers),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def ready(*ports: int) -> bool:
    """Every server on `ports` answers /readyz with 200."""
    for port in ports:
        try:
            async with RawClient(port, 1) as client:
                if (await client.request("GET", "/readyz"))[0] != 200:
                    return False
        except OSError:
            return False
    return True


class _keys:
    """A fresh Ed25519 key pair; the public key in a temporary file the server reads."""

    async def __aenter__(self) -> tuple[bytes, Path]:
        private, public = generate_key_pair()
        self._dir = tempfile.TemporaryDirectory(prefix="ngbench-keys-")
        path = Path(self._dir.name) / "jwt-public.pem"
        path.write_bytes(public)
        return private, path

    async def __aexit__(self, *exc: object) -> None:
        self._dir.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
