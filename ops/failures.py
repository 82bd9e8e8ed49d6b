"""How the `neuguong` command ends: an exit code a script can test and one line a clerk can read.

Operational failures (a file that cannot be read, a service or broker out of reach, a token refused) end
the program with one line and a documented code, never with a traceback; a traceback means a bug.
"""

import errno

EXIT_DONE = 0
EXIT_BAD_ROWS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_CODES = {
    EXIT_DONE: "xong (done)",
    EXIT_BAD_ROWS: "có dòng sai, được liệt kê; sổ sách: các dòng đúng đã nhập; danh bạ: không gửi gì (bad rows)",
    EXIT_USAGE: "lệnh hoặc tệp không dùng được: tham số sai, không có tệp, sai loại tệp (usage, file)",
    EXIT_UNREACHABLE: "không kết nối được dịch vụ hay Kafka, hoặc bị từ chối (token) (unreachable, refused)",
}


class Failure(Exception):
    """An operation that cannot go on: its one-line message and the exit code it ends with."""

    def __init__(self, message: str, code: int = EXIT_UNREACHABLE) -> None:
        super().__init__(message)
        self.code = code


def exit_codes_help() -> str:
    """The exit codes, as `--help` lists them."""
    return "mã thoát (exit codes):\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())


def explain(error: BaseException) -> Failure | None:
    """The Failure an operational error stands for (None for a bug, which keeps its traceback)."""
    if isinstance(error, Failure):
        return error
    import httpx
    from aiokafka.errors import KafkaConnectionError, KafkaError

    if isinstance(error, httpx.TransportError):
        where = error.request.url if _has_request(error) else "dịch vụ"
        return Failure(f"không kết nối được {where}: {type(error).__name__} {error}".strip())
    if isinstance(error, KafkaConnectionError):
        return Failure(f"không kết nối được Kafka (NG_KAFKA_BOOTSTRAP): {error}")
    if isinstance(error, KafkaError):
        return Failure(f"Kafka từ chối: {type(error).__name__} {error}")
    if isinstance(error, FileNotFoundError):
        return Failure(f"không tìm thấy tệp {error.filename}", EXIT_USAGE)
    if isinstance(error, PermissionError):
        return Failure(f"không có quyền đọc/ghi {error.filename}", EXIT_USAGE)
    if isinstance(error, ConnectionRefusedError | TimeoutError) or (
        isinstance(error, OSError) and error.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
    ):
        return Failure(f"không kết nối được: {error}")
    return None


def _has_request(error: Exception) -> bool:
    try:
        return error.request is not None  # type: ignore[attr-defined]
    except RuntimeError:  # httpx raises when the error was made without a request
        return False
