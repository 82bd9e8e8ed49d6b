"""What each `neuguong` subcommand does (ops.cli parses the command line and calls one of these)."""

import argparse
import asyncio
import socket

from neuguong.runtime.collector import tune_for_throughput
from neuguong.runtime.settings import Settings
from ops.failures import EXIT_BAD_ROWS, EXIT_DONE, EXIT_USAGE, Failure


def serve(args: argparse.Namespace) -> None:
    """Run one service until stopped: one process, or `--workers N` processes sharing its port(s)."""
    import os

    import uvicorn

    workers = getattr(args, "workers", 1)
    if workers < 1:
        raise Failure(f"--workers: ít nhất 1 tiến trình (đã cho {workers})", EXIT_USAGE)
    if args.service == "console":
        _serve_console(args, workers)
        return
    settings = Settings(service=args.service)
    port = args.port or settings.http_port
    # With NG_OPERATIONS_PORT the same app listens there too; /metrics and /docs answer only on that port.
    ports = [port] if settings.operations_port is None else [port, settings.operations_port]
    sockets = [listening_socket(settings.http_host, p) for p in ports]
    if workers == 1:
        from neuguong.runtime.service import create_app
        from services import definition

        app = create_app(definition(args.service), settings)
        tune_for_throughput()
        config = uvicorn.Config(app, host=settings.http_host, port=port, log_config=None, access_log=False)
        uvicorn.Server(config).run(sockets=sockets)
        return
    from uvicorn.supervisors import Multiprocess

    # The workers are started afresh (spawned): each builds the app from the environment, this service's
    # name included, and accepts on the sockets bound here. Their relays race for the one leader lock.
    os.environ["NG_SERVICE"] = args.service
    config = uvicorn.Config(
        "ops.actions:service_app",
        factory=True,
        host=settings.http_host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )
    Multiprocess(config, sockets=sockets).run()


def _serve_console(args: argparse.Namespace, workers: int) -> None:
    """The web console: stateless, so any number of workers share its port without a leader."""
    import uvicorn

    from services.console.settings import ConsoleSettings

    settings = ConsoleSettings()
    port = args.port or settings.http_port
    ports = [port] if settings.operations_port is None else [port, settings.operations_port]
    sockets = [listening_socket(settings.http_host, p) for p in ports]
    config = uvicorn.Config(
        "services.console.app:create_app",
        factory=True,
        host=settings.http_host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )
    if workers == 1:
        uvicorn.Server(config).run(sockets=sockets)
        return
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=sockets).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket whose connections send small writes at once (TCP_NODELAY, inherited by every
    accepted socket on Linux).

    asyncio disables Nagle's algorithm only on sockets whose protocol number says TCP, and
    `socket.create_server` leaves it 0: uvicorn's two writes of an answer (head, then body) then wait for the
    client's delayed ACK, 40 ms on every keep-alive request."""
    listener = socket.create_server((host, port))
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def service_app() -> object:
    """The app of the service NG_SERVICE names, built in a worker process of `serve --workers N`."""
    from neuguong.runtime.service import create_app
    from services import definition

    settings = Settings()
    app = create_app(definition(settings.service), settings)
    tune_for_throughput()
    return app


def directory_import(args: argparse.Namespace) -> int:
    """The province's files (checked, diffed, only changes sent), or the demo directory."""
    from ops.directory.report import print_update

    if args.demo == bool(args.units):
        raise Failure("danh bạ: đưa tệp tổ chức (và tệp đảng viên), hoặc --demo; không cả hai", EXIT_USAGE)
    if args.demo:
        return _demo_directory(args)
    from neuguong.runtime.clock import SystemClock
    from ops.directory.update import update_directory

    update = asyncio.run(
        update_directory(
            Settings(),
            args.units,
            args.members,
            today=SystemClock().today(),
            dry_run=args.dry_run,
            complete=args.complete,
            nfc=args.nfc,
        )
    )
    print_update(update, dry_run=args.dry_run)
    return EXIT_BAD_ROWS if update.errors else EXIT_DONE


def _demo_directory(args: argparse.Namespace) -> int:
    from neuguong.numbers import vi_number
    from ops.directory.demo import build_demo_directory
    from ops.directory.importer import publish_directory

    source = build_demo_directory(seed=args.seed, communes=args.communes)
    sent = asyncio.run(publish_directory(Settings(), source, source_name="demo"))
    print(
        f"danh bạ mẫu: {vi_number(len(source.units))} tổ chức và {vi_number(len(source.members))} đảng viên "
        f"đã gửi ({vi_number(sent)} sự kiện)"
    )
    return EXIT_DONE


def templates(args: argparse.Namespace) -> None:
    """Blank workbooks for every importer."""
    from ops.templates import write_templates

    for path, written in write_templates(args.folder):
        print(f"{path}: {'đã ghi' if written else 'đã có, giữ nguyên'}")


def import_book(args: argparse.Namespace) -> int:
    """One paper book through its service's batch endpoint."""
    import httpx

    from ops.demo import service_url
    from ops.importer import commitments, honors, sessions
    from ops.importer.batch import import_book as run_book
    from ops.importer.batch import report_lines

    module = {"commitments": commitments, "sessions": sessions, "honors": honors}[args.book]
    if not args.token:
        raise Failure("token: truyền --token hoặc đặt NG_TOKEN (token của cấp ủy hoặc bí thư chi bộ)", EXIT_USAGE)

    async def run():
        headers = {"Authorization": f"Bearer {args.token}"}
        async with httpx.AsyncClient(base_url=args.url or service_url(args.service), timeout=120, headers=headers) as c:
            return await run_book(module.BOOK, args.file, c)

    report = asyncio.run(run())
    print("\n".join(report_lines(args.file.name, module.LAYOUT, report)))
    return EXIT_BAD_ROWS if report.bad else EXIT_DONE


def demo_load(args: argparse.Namespace) -> None:
    """The demo province into the running services."""
    from ops.demo import load_demo

    asyncio.run(load_demo(args.keys, communes=args.communes))


def deliveries_list(args: argparse.Namespace) -> None:
    """Deliveries of the token's subtree."""
    from ops.deliveries import as_operator, format_delivery, list_deliveries

    state = "dead" if args.dead else args.state
    for view in as_operator(
        args.url,
        args.token,
        lambda client: list_deliveries(client, state=state, channel_id=args.channel, limit=args.limit),
    ):
        print(format_delivery(view))


def deliveries_retry(args: argparse.Namespace) -> None:
    """Dead-lettered deliveries back to pending."""
    from ops.deliveries import as_operator, retry_deliveries

    retried = as_operator(
        args.url, args.token, lambda client: retry_deliveries(client, delivery_ids=args.ids, channel_id=args.channel)
    )
    print(f"deliveries: {len(retried)} dead-lettered deliveries back to pending")


def rebuild(args: argparse.Namespace) -> None:
    """The projections rebuilt from the topics."""
    from neuguong.numbers import vi_number
    from ops.rebuild import HistoryMissing
    from ops.rebuild import rebuild as rebuild_projections
    from services.projections.app import DEFINITION
    from services.projections.store import READ_MODEL

    tune_for_throughput()
    try:
        result = asyncio.run(
            rebuild_projections(
                DEFINITION,
                Settings(service="projections"),
                READ_MODEL,
                swap=not args.no_swap,
                accept_missing_history=args.accept_missing_history,
            )
        )
    except HistoryMissing as missing:
        raise Failure(
            f"projections: {missing}; nothing swapped (--accept-missing-history swaps in what is left)", EXIT_USAGE
        ) from None
    print(f"projections: {vi_number(result.replayed)} events replayed, {vi_number(result.caught_up)} caught up")
    for table, (live, rebuilt) in result.digests.items():
        print(f"  {table:<20} {'same as live' if live == rebuilt else 'differs from live'} ({rebuilt})")


def keys_init(args: argparse.Namespace) -> None:
    """A development key pair, unless there is one."""
    from neuguong.runtime.auth import generate_key_pair

    private, public = args.dir / "jwt-private.pem", args.dir / "jwt-public.pem"
    if private.exists() and public.exists():
        print(f"keys: {public} already exists")
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = generate_key_pair()
    private.write_bytes(private_pem)
    private.chmod(0o600)
    public.write_bytes(public_pem)
    print(f"keys: wrote {private} and {public}")


def token(args: argparse.Namespace) -> None:
    """A development bearer token."""
    from neuguong.runtime.auth import ROLES, mint_token

    if args.role not in ROLES:
        raise Failure(f"role: must be one of {', '.join(sorted(ROLES))}", EXIT_USAGE)
    print(mint_token(args.private_key.read_bytes(), sub=args.sub, role=args.role, unit=args.unit))


def dlq_list(args: argparse.Namespace) -> None:
    """A service's dead letters."""
    from ops.dlq import list_dead_letters

    for letter in asyncio.run(list_dead_letters(Settings(), args.service)):
        h = letter.headers
        print(
            f"{letter.offset}\t{h.get('event_type', '?')}\t{h.get('event_id', '?')}\t"
            f"{h.get('dlq_topic')}[{h.get('dlq_partition')}]@{h.get('dlq_offset')}\t"
            f"attempts={h.get('dlq_attempts')}\t{h.get('dlq_error')}"
        )


def dlq_replay(args: argparse.Namespace) -> None:
    """A service's dead letters back to their topics."""
    from ops.dlq import replay_dead_letters

    count = asyncio.run(replay_dead_letters(Settings(), args.service))
    print(f"dlq: {count} dead letters of {args.service} sent back to their topics")


def outbox_parked(args: argparse.Namespace) -> None:
    """Parked outbox rows of a service."""
    from ops.outbox import as_operator, format_parked, list_parked

    rows = as_operator(args.service, args.url, args.token, list_parked)
    for view in rows:
        print(format_parked(view))
    print(f"outbox: {len(rows)} parked rows in {args.service}")


def outbox_retry(args: argparse.Namespace) -> None:
    """Parked rows back to the relay."""
    from ops.outbox import as_operator, retry_parked

    settled = as_operator(args.service, args.url, args.token, lambda client: retry_parked(client, args.ids))
    print(f"outbox: {len(settled)} rows of {args.service} handed back to the relay")


def outbox_discard(args: argparse.Namespace) -> None:
    """Parked rows given up."""
    from ops.outbox import as_operator, discard_parked

    settled = as_operator(args.service, args.url, args.token, lambda client: discard_parked(client, args.ids))
    print(f"outbox: {len(settled)} rows of {args.service} discarded (their events are never published)")


def consumers_rewind(args: argparse.Namespace) -> None:
    """A stopped service's consumer group back to a moment (after a restore from a backup taken then)."""
    from datetime import datetime

    from ops.rewind import GroupActive, rewind_group
    from services import definition

    try:
        moment = datetime.fromisoformat(args.to)
        offsets = asyncio.run(
            rewind_group(Settings(service=args.service), list(definition(args.service).consumes), moment)
        )
    except (ValueError, GroupActive) as refused:
        raise Failure(f"consumers: {refused}", EXIT_USAGE) from None
    for tp, offset in sorted(offsets.items()):
        print(f"{tp.topic}[{tp.partition}]\t{offset}")
    print(f"consumers: {args.service} rewound to {moment.isoformat()} on {len(offsets)} partitions")


def kafka_lag_scaling(args: argparse.Namespace) -> None:
    """KEDA ScaledObjects on each service's consumer lag, as YAML (deploy/k8s-operators/keda.yaml)."""
    from ops.k8s_operators import lag_scaling

    print(lag_scaling(Settings().topic_prefix if args.prefix is None else args.prefix), end="")


def kafka_access(args: argparse.Namespace) -> None:
    """The Kafka grants of the system, printed as kafka-acls.sh lines or applied as the admin."""
    import os

    from ops.kafka_access import PRINCIPALS, acl_commands

    settings = Settings()
    prefix = settings.topic_prefix if args.prefix is None else args.prefix
    if args.strimzi:
        from ops.k8s_operators import strimzi_access

        print(strimzi_access(prefix), end="")
        return
    if not args.apply:
        print("\n".join(acl_commands(prefix)))
        return
    from ops.kafka_admin import apply_access

    # Passwords of the principals to create or update: KAFKA_PASSWORD_NG_HONORS=… (Secret neuguong-kafka-passwords).
    passwords = {
        p: os.environ[f"KAFKA_PASSWORD_{p.upper()}"] for p in PRINCIPALS if f"KAFKA_PASSWORD_{p.upper()}" in os.environ
    }
    for missing in sorted(set(PRINCIPALS) - set(passwords)):
        print(f"kafka: KAFKA_PASSWORD_{missing.upper()} not set, the SCRAM user {missing} is left as it is")
    applied = asyncio.run(apply_access(settings.model_copy(update={"topic_prefix": prefix}), passwords))
    print(f"kafka: {len(applied.users)} users, {applied.acls} ACLs applied (prefix {prefix!r})")
