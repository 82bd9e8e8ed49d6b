"""The `neuguong` command: run services and operate the system.

Every subcommand has its help (`neuguong COMMAND --help`); operational failures end with one line on
stderr and a documented exit code (ops.failures), never with a traceback.
"""

import argparse
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ops import actions
from ops.failures import exit_codes_help, explain
from services import NAMES as SERVICES
from services import SERVED


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `neuguong` console script: the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    # The Kafka client logs each failed connection; the command says it once, in its own words. A service
    # (serve) configures real handlers, which still receive these records.
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        print("neuguong: đã dừng (Ctrl+C)", file=sys.stderr)
        return 130
    except Exception as error:
        failure = explain(error)
        if failure is None:
            raise
        print(f"neuguong: {failure}".replace("\n", " "), file=sys.stderr)
        return failure.code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuguong",
        description="Nêu Gương: chạy và vận hành hệ thống (run and operate the system)",
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _serve(commands)
    _directory(commands)
    _templates(commands)
    _imports(commands)
    _demo(commands)
    _deliveries(commands)
    _projections(commands)
    _outbox(commands)
    _keys_and_token(commands)
    _dlq(commands)
    _consumers(commands)
    _kafka(commands)
    return parser


def _command(group, name: str, help: str, run=None, **options) -> argparse.ArgumentParser:
    """A subcommand with its help line, the same text as its description, and the exit codes."""
    sub = group.add_parser(
        name,
        help=help,
        description=help,
        epilog=exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if run is not None:
        sub.set_defaults(run=run, **options)
    return sub


def _group(commands, name: str, help: str):
    return _command(commands, name, help).add_subparsers(required=True, metavar="ACTION")


def _serve(commands) -> None:
    serve = _command(commands, "serve", "chạy một dịch vụ: HTTP, consumers, outbox relay", actions.serve)
    serve.add_argument("service", choices=SERVED, help="dịch vụ: " + ", ".join(SERVED))
    serve.add_argument("--port", type=int, help="cổng HTTP (mặc định NG_HTTP_PORT)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="số tiến trình cùng phục vụ một cổng (mặc định 1; một relay dẫn đầu trong số đó)",
    )


def _directory(commands) -> None:
    group = _group(commands, "directory", "danh bạ tổ chức đảng và đảng viên (reference data)")
    imp = _command(
        group,
        "import",
        "nhập danh bạ từ tệp của tỉnh (UNITS [MEMBERS], .xlsx hoặc .csv), hoặc danh bạ mẫu (--demo): kiểm tra "
        "mọi dòng trước, so với danh bạ hiện tại, chỉ gửi những gì thay đổi",
        actions.directory_import,
    )
    imp.add_argument("units", nargs="?", type=Path, help="tệp tổ chức đảng (mã tổ chức, tên, cấp, …)")
    imp.add_argument("members", nargs="?", type=Path, help="tệp đảng viên (mã đảng viên, họ và tên, chi bộ, …)")
    imp.add_argument("--dry-run", action="store_true", help="chỉ in khác biệt so với danh bạ hiện tại, không gửi")
    imp.add_argument(
        "--complete",
        action="store_true",
        help="đảng viên của các chi bộ trong tệp tổ chức mà tệp đảng viên không có thì đánh dấu là đã rời",
    )
    imp.add_argument("--nfc", action="store_true", help="chuyển chữ Unicode tổ hợp sang dựng sẵn thay vì báo dòng sai")
    imp.add_argument("--demo", action="store_true", help="danh bạ mẫu của Lào Cai (dữ liệu sinh ra)")
    imp.add_argument("--communes", type=int, help="với --demo: chỉ N xã đầu tiên (cây nhỏ)")
    imp.add_argument("--seed", type=int, default=2025, help="với --demo: hạt giống sinh dữ liệu")


def _templates(commands) -> None:
    templates = _command(
        commands,
        "templates",
        "ghi các mẫu bảng tính trống cho mọi lệnh nhập (mỗi cột có ghi chú hướng dẫn)",
        actions.templates,
    )
    templates.add_argument("folder", type=Path, help="thư mục ghi mẫu (tệp đã có được giữ nguyên)")


def _imports(commands) -> None:
    group = _group(commands, "import", "nhập sổ sách từ bảng tính (.xlsx hoặc .csv) qua API của dịch vụ")
    books = {
        "commitments": ("cam kết nêu gương (POST /commitments/batch)", "commitments"),
        "sessions": ("sổ sinh hoạt chi bộ (POST /sessions/batch)", "commitments"),
        "honors": ("sổ ghi danh của đơn vị của token (POST /honors/batch)", "honors"),
    }
    for book, (what, service) in books.items():
        sub = _command(
            group, book, f"nhập {what}; dòng sai được liệt kê, chạy lại không nhập trùng", actions.import_book
        )
        sub.set_defaults(book=book, service=service)
        sub.add_argument("file", type=Path, help="tệp .xlsx hoặc .csv (dòng 1 là tiêu đề)")
        sub.add_argument("--url", default=None, help=f"địa chỉ services/{service} (mặc định: bản chạy cục bộ)")
        sub.add_argument("--token", default=os.environ.get("NG_TOKEN"), help="bearer token (mặc định $NG_TOKEN)")


def _demo(commands) -> None:
    group = _group(commands, "demo", "dữ liệu mẫu (demo data)")
    load = _command(group, "load", "nạp tỉnh mẫu vào các dịch vụ đang chạy", actions.demo_load)
    load.add_argument("--keys", type=Path, required=True, help="thư mục có jwt-private.pem")
    load.add_argument("--communes", type=int, help="chỉ N xã đầu tiên")


def _deliveries(commands) -> None:
    group = _group(commands, "deliveries", "các lần gửi tin công khai của services/notifications (qua API)")
    d_list = _command(
        group, "list", "danh sách lần gửi: trạng thái, số lần thử, lỗi cuối, lần thử tới", actions.deliveries_list
    )
    d_list.add_argument("--dead", action="store_true", help="chỉ những lần đã vào dead letter")
    d_list.add_argument("--state", choices=["pending", "sent", "dead", "cancelled"], help="lọc theo trạng thái")
    d_list.add_argument("--channel", help="lọc theo kênh")
    d_list.add_argument("--limit", type=int, default=100, help="tối đa bao nhiêu dòng")
    d_retry = _command(group, "retry", "đưa các lần gửi dead letter về hàng chờ", actions.deliveries_retry)
    d_retry.add_argument("ids", nargs="*", help="mã lần gửi (mặc định: mọi lần dead letter)")
    d_retry.add_argument("--channel", help="chỉ các lần gửi của kênh này")
    for sub in (d_list, d_retry):
        sub.add_argument("--url", default=None, help="địa chỉ services/notifications (mặc định: bản chạy cục bộ)")
        sub.add_argument("--token", default=os.environ.get("NG_TOKEN"), help="token của operator (mặc định $NG_TOKEN)")


def _projections(commands) -> None:
    group = _group(commands, "projections", "các bảng số liệu (read models)")
    rebuild = _command(
        group,
        "rebuild",
        "phát lại mọi topic vào bảng mới rồi đổi bảng (số liệu vẫn trả lời trong lúc dựng)",
        actions.rebuild,
    )
    rebuild.add_argument("--no-swap", action="store_true", help="dựng và so sánh, giữ bảng đang dùng")
    rebuild.add_argument(
        "--accept-missing-history",
        action="store_true",
        help="vẫn đổi bảng khi topic đã mất bản ghi cũ nhất (log start offset > 0)",
    )


def _outbox(commands) -> None:
    group = _group(commands, "outbox", "các dòng outbox bị broker từ chối, để riêng (qua API của từng dịch vụ)")
    parked = _command(
        group, "parked", "liệt kê dòng để riêng: lý do, số dòng cùng khóa đang chờ", actions.outbox_parked
    )
    retry = _command(group, "retry", "trả dòng để riêng về relay (khi topic đã nhận được)", actions.outbox_retry)
    discard = _command(
        group, "discard", "bỏ dòng để riêng: sự kiện của nó không bao giờ được gửi", actions.outbox_discard
    )
    for sub in (parked, retry, discard):
        sub.add_argument("service", choices=SERVICES, help="dịch vụ nào")
        sub.add_argument("--url", default=None, help="API của dịch vụ (mặc định: bản chạy cục bộ)")
        sub.add_argument("--token", default=os.environ.get("NG_TOKEN"), help="token operator ở đơn vị gốc ($NG_TOKEN)")
    retry.add_argument("ids", nargs="*", type=int, help="mã dòng outbox (mặc định: mọi dòng để riêng)")
    discard.add_argument("ids", nargs="+", type=int, help="mã dòng outbox")


def _keys_and_token(commands) -> None:
    keys = _group(commands, "keys", "khóa ký token cho môi trường phát triển")
    init = _command(keys, "init", "tạo cặp khóa Ed25519 nếu chưa có", actions.keys_init)
    init.add_argument("--dir", type=Path, required=True, help="thư mục ghi jwt-private.pem và jwt-public.pem")
    token = _command(commands, "token", "tạo một bearer token cho môi trường phát triển", actions.token)
    token.add_argument("--private-key", type=Path, required=True, help="tệp jwt-private.pem")
    token.add_argument("--sub", required=True, help="người dùng (subject)")
    token.add_argument(
        "--role", required=True, help="member, cell_secretary, committee, inspector, publisher, operator"
    )
    token.add_argument("--unit", required=True, help="mã tổ chức mà token được làm việc trong cây của nó")


def _dlq(commands) -> None:
    group = _group(commands, "dlq", "dead letters của một dịch vụ")
    for name, help, run in (
        ("list", "liệt kê dead letters với lỗi của chúng", actions.dlq_list),
        ("replay", "gửi dead letters về topic gốc (inbox bỏ qua những gì đã áp dụng)", actions.dlq_replay),
    ):
        _command(group, name, help, run).add_argument("service", choices=SERVICES, help="dịch vụ (consumer group) nào")


def _version() -> str:
    try:
        return version("neuguong")
    except PackageNotFoundError:
        return "(chưa cài đặt)"


if __name__ == "__main__":
    raise SystemExit(main())


def _consumers(commands) -> None:
    group = _group(commands, "consumers", "nhóm consumer của các dịch vụ trên Kafka")
    rewind = _command(
        group,
        "rewind",
        "đưa nhóm consumer của một dịch vụ (đã dừng) về thời điểm sao lưu, để đọc lại từ đó (xem deploy/RUNBOOK.md)",
        actions.consumers_rewind,
    )
    rewind.add_argument("service", choices=SERVICES, help="dịch vụ: " + ", ".join(SERVICES))
    rewind.add_argument(
        "--to", required=True, help="thời điểm ISO 8601 có múi giờ, vd. 2026-03-01T08:00:00+07:00 (lúc bắt đầu sao lưu)"
    )


def _kafka(commands) -> None:
    group = _group(commands, "kafka", "quyền trên Kafka: người dùng SCRAM, topic, ACL của từng dịch vụ")
    access = _command(
        group,
        "access",
        "in các quyền (ACL) suy ra từ mã nguồn; --apply: tạo người dùng, topic và ACL (chạy với tài khoản admin)",
        actions.kafka_access,
    )
    access.add_argument(
        "--apply",
        action="store_true",
        help="áp dụng lên cụm Kafka, với tài khoản admin (NG_KAFKA_SASL_USERNAME, NG_KAFKA_SASL_PASSWORD)",
    )
    access.add_argument(
        "--prefix", default=None, help="tiền tố topic và nhóm (mặc định NG_TOPIC_PREFIX, thường để trống)"
    )
    access.add_argument(
        "--strimzi",
        action="store_true",
        help="in KafkaUser (SCRAM-SHA-512 và ACL) và KafkaTopic của Strimzi (deploy/k8s-operators/kafka-access.yaml)",
    )
    scaling = _command(
        group,
        "lag-scaling",
        "in các ScaledObject của KEDA theo độ trễ của nhóm tiêu thụ từng dịch vụ (deploy/k8s-operators/keda.yaml)",
        actions.kafka_lag_scaling,
    )
    scaling.add_argument(
        "--prefix", default=None, help="tiền tố topic và nhóm (mặc định NG_TOPIC_PREFIX, thường để trống)"
    )
