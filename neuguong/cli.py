"""The `neuguong` command: run services and operate the system."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from neuguong.runtime.settings import Settings

SERVICES = ("commitments", "honors", "inspections", "notifications", "projections")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `neuguong` console script."""
    args = _parser().parse_args(argv)
    return args.run(args) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuguong", description="Nêu Gương operations")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run one service (HTTP, consumers, outbox relay)")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--port", type=int, help="HTTP port (default NG_HTTP_PORT)")
    serve.set_defaults(run=_serve)

    directory = commands.add_parser("directory", help="reference data").add_subparsers(required=True)
    imp = directory.add_parser("import", help="publish units and members to the directory topics")
    imp.add_argument("--demo", action="store_true", required=True, help="the generated Lào Cai directory")
    imp.add_argument("--communes", type=int, help="only the first N communes (a small tree)")
    imp.add_argument("--seed", type=int, default=2025)
    imp.set_defaults(run=_directory_import)

    demo = commands.add_parser("demo", help="demo data").add_subparsers(required=True)
    load = demo.add_parser("load", help="load the demo province into the running services")
    load.add_argument("--keys", type=Path, required=True, help="folder of jwt-private.pem")
    load.add_argument("--communes", type=int, help="only the first N communes")
    load.set_defaults(run=_demo_load)

    deliveries = commands.add_parser("deliveries", help="publicity deliveries of services/notifications")
    deliveries = deliveries.add_subparsers(required=True)
    d_list = deliveries.add_parser("list", help="deliveries: state, attempts, last error, next attempt")
    d_list.add_argument("--dead", action="store_true", help="only dead-lettered ones")
    d_list.add_argument("--state", choices=["pending", "sent", "dead", "cancelled"])
    d_list.add_argument("--channel")
    d_list.add_argument("--limit", type=int, default=100)
    d_list.set_defaults(run=_deliveries_list)
    d_retry = deliveries.add_parser("retry", help="dead-lettered deliveries back to pending")
    d_retry.add_argument("ids", nargs="*", help="delivery ids (default: every dead one)")
    d_retry.add_argument("--channel")
    d_retry.set_defaults(run=_deliveries_retry)

    projections = commands.add_parser("projections", help="read models").add_subparsers(required=True)
    rebuild = projections.add_parser("rebuild", help="replay every topic into fresh tables and swap them in")
    rebuild.add_argument("--no-swap", action="store_true", help="build and compare, keep the live tables")
    rebuild.set_defaults(run=_projections_rebuild)

    importer = commands.add_parser("import", help="spreadsheet imports").add_subparsers(required=True)
    imp_c = importer.add_parser("commitments", help="file commitments from a CSV or XLSX file (exit 1 if any row is bad)")
    imp_c.add_argument("file", type=Path)
    imp_c.add_argument("--url", default=None, help="services/commitments (default: the local one)")
    imp_c.add_argument("--token", default=os.environ.get("NG_TOKEN"), help="bearer token (default $NG_TOKEN)")
    imp_c.set_defaults(run=_import_commitments)

    keys = commands.add_parser("keys", help="development signing keys").add_subparsers(required=True)
    init = keys.add_parser("init", help="create an Ed25519 key pair if missing")
    init.add_argument("--dir", type=Path, required=True)
    init.set_defaults(run=_keys_init)

    token = commands.add_parser("token", help="mint a development bearer token")
    token.add_argument("--private-key", type=Path, required=True)
    token.add_argument("--sub", required=True)
    token.add_argument("--role", required=True)
    token.add_argument("--unit", required=True)
    token.set_defaults(run=_token)

    dlq = commands.add_parser("dlq", help="dead letters of a service").add_subparsers(required=True)
    for name, run in (("list", _dlq_list), ("replay", _dlq_replay)):
        sub = dlq.add_parser(name)
        sub.add_argument("service", choices=SERVICES)
        sub.set_defaults(run=run)
    return parser


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from neuguong.runtime.service import create_app, load_definition

    settings = Settings(service=args.service)
    port = args.port or settings.http_port
    uvicorn.run(create_app(load_definition(args.service), settings), host=settings.http_host, port=port,
                log_config=None, access_log=False)


def _directory_import(args: argparse.Namespace) -> None:
    from neuguong.directory.demo import build_demo_directory
    from neuguong.directory.importer import publish_directory
    from neuguong.progress import vi_number

    source = build_demo_directory(seed=args.seed, communes=args.communes)
    sent = asyncio.run(publish_directory(Settings(), source, source_name="demo"))
    print(f"directory: {vi_number(len(source.units))} units and {vi_number(len(source.members))} members "
          f"published ({vi_number(sent)} events)")


def _demo_load(args: argparse.Namespace) -> None:
    from neuguong.demo import load_demo

    asyncio.run(load_demo(args.keys, communes=args.communes))


def _deliveries_list(args: argparse.Namespace) -> None:
    from neuguong.deliveries import format_delivery, list_deliveries

    state = "dead" if args.dead else args.state
    for view in asyncio.run(list_deliveries(state=state, channel_id=args.channel, limit=args.limit)):
        print(format_delivery(view))


def _deliveries_retry(args: argparse.Namespace) -> None:
    from neuguong.deliveries import retry_deliveries

    retried = asyncio.run(retry_deliveries(delivery_ids=args.ids, channel_id=args.channel))
    print(f"deliveries: {len(retried)} dead-lettered deliveries back to pending")


def _projections_rebuild(args: argparse.Namespace) -> None:
    from neuguong.progress import vi_number
    from neuguong.rebuild import rebuild
    from services.projections.app import DEFINITION
    from services.projections.store import READ_MODEL

    result = asyncio.run(rebuild(DEFINITION, Settings(service="projections"), READ_MODEL, swap=not args.no_swap))
    print(f"projections: {vi_number(result.replayed)} events replayed, {vi_number(result.caught_up)} caught up")
    for table, (live, rebuilt) in result.digests.items():
        print(f"  {table:<20} {'same as live' if live == rebuilt else 'differs from live'} ({rebuilt})")


def _import_commitments(args: argparse.Namespace) -> int:
    import httpx

    from neuguong.demo import service_url
    from neuguong.importer.commitments import import_commitments
    from neuguong.progress import vi_number

    if not args.token:
        sys.exit("token: pass --token or set NG_TOKEN (a committee's bearer token)")

    async def run():  # noqa: ANN202
        async with httpx.AsyncClient(base_url=args.url or service_url("commitments"), timeout=120,
                                     headers={"Authorization": f"Bearer {args.token}"}) as client:
            return await import_commitments(args.file, client)

    report = asyncio.run(run())
    print(f"import: {vi_number(report.created)} filed, {vi_number(report.existing)} filed before, "
          f"{vi_number(len(report.bad))} bad rows")
    for line, field, reason in report.bad:
        print(f"  line {line}: {field}: {reason}")
    return 1 if report.bad else 0


def _keys_init(args: argparse.Namespace) -> None:
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


def _token(args: argparse.Namespace) -> None:
    from neuguong.runtime.auth import ROLES, mint_token

    if args.role not in ROLES:
        sys.exit(f"role: must be one of {', '.join(sorted(ROLES))}")
    print(mint_token(args.private_key.read_bytes(), sub=args.sub, role=args.role, unit=args.unit))


def _dlq_list(args: argparse.Namespace) -> None:
    from neuguong.dlq import list_dead_letters

    for letter in asyncio.run(list_dead_letters(Settings(), args.service)):
        h = letter.headers
        print(f"{letter.offset}\t{h.get('event_type', '?')}\t{h.get('event_id', '?')}\t"
              f"{h.get('dlq_topic')}[{h.get('dlq_partition')}]@{h.get('dlq_offset')}\t"
              f"attempts={h.get('dlq_attempts')}\t{h.get('dlq_error')}")


def _dlq_replay(args: argparse.Namespace) -> None:
    from neuguong.dlq import replay_dead_letters

    count = asyncio.run(replay_dead_letters(Settings(), args.service))
    print(f"dlq: {count} dead letters of {args.service} sent back to their topics")


if __name__ == "__main__":
    raise SystemExit(main())
