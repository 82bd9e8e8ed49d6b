"""The commitments import: a province's workbook through `neuguong import commitments`.

    python -m bench.import_ --rows 3000 [--communes 3]

An XLSX of `--rows` realistic commitments is written first (every column of the form filled: two or three
limitations, three or four plan items with their deadlines, the five target areas, in Vietnamese), for the
members of a demo directory of `--communes` communes, several years each. A real `neuguong serve
commitments` process starts on a free port and the directory is published to it. Then:

1. Baseline: one pass over the same workbook with openpyxl in read-only mode, doing nothing with the rows
   (the floor any importer of this file stands on).
2. The real command, `neuguong import commitments FILE`, as clerks run it: rows/s, its peak RSS, and the
   service's peak RSS (VmHWM) once it is done. Every row must be filed.

`make bench` runs it at 3.000 rows (it must fit the five minutes); `--rows 20000 --communes 10` and more
are run by hand (bench/README.md records them). `--importers N` splits the rows over N workbooks of distinct
members, imported at once against the one service (as several provinces or districts would): rows/s in all,
from the first start to the last end, and the largest importer's peak RSS; the baseline reads every workbook.

The importer streams the workbook; what grows with the rows is a 16-byte digest per row's natural key (to name
the line a duplicate repeats) and openpyxl's table of the workbook's shared strings: 105 MiB at 3.000 rows,
137 MiB at 150.000. Peak RSS is read from /proc while each process runs (bench.common.run_watching_peak), never
from getrusage (which counts this process's memory).
"""

import asyncio
import os
import random
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from bench.commands import _keys, free_port, ready, serve, serve_env
from bench.common import (
    admin_connection,
    arguments,
    bench_slice,
    comparison,
    directory_copied,
    peak_rss_mib,
    per_second,
    quiet,
    run_watching_peak,
    settings,
    vi_decimal,
    wait_for,
    write_results,
)
from neuguong.numbers import vi_number
from neuguong.runtime.auth import mint_token
from neuguong.workbooks.commitments import LAYOUT
from ops.directory.demo import build_demo_directory
from ops.directory.importer import publish_directory

LIMITATIONS = [
    "Chưa mạnh dạn đấu tranh phê bình",
    "Ngại va chạm, còn nể nang",
    "Chưa thường xuyên tự học, tự rèn luyện",
    "Tác phong làm việc có lúc chưa khoa học",
]
PLAN = [
    "Tham gia đầy đủ sinh hoạt chi bộ",
    "Hướng dẫn hộ nghèo trồng quế, chăm sóc rừng",
    "Vận động bà con thôn giữ gìn vệ sinh môi trường",
    "Đọc và học tập chuyên đề năm về tư tưởng Hồ Chí Minh",
    "Giúp đỡ một đảng viên mới trong chi bộ",
]
TARGETS = {
    "political_ideology": "Kiên định lập trường, tuyệt đối trung thành với Đảng",
    "ethics_lifestyle": "Sống giản dị, gần gũi nhân dân, không tham nhũng, lãng phí",
    "working_style": "Làm việc khoa học, đúng giờ, nói đi đôi với làm",
    "discipline": "Chấp hành nghiêm điều lệ Đảng, quy chế của cơ quan",
    "task_results": "Hoàn thành tốt nhiệm vụ được giao, không để tồn đọng việc",
}


def write_workbook(path: Path, members: list[str], rows: int) -> None:
    """`rows` commitments, each member once per year going back from 2026, in write-only mode."""
    rng = random.Random(11)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(LAYOUT.title[:31])
    fields = [c.field for c in LAYOUT.columns]
    sheet.append([c.label for c in LAYOUT.columns])
    for n in range(rows):
        member, year = members[n % len(members)], 2026 - n // len(members)
        plan = [
            f"{title} | {rng.randint(1, 28):02d}/{rng.randint(2, 12):02d}/{year}"
            for title in rng.sample(PLAN, rng.randint(3, 4))
        ]
        cells = {
            "member_id": member,
            "year": str(year),
            "limitations": "\n".join(rng.sample(LIMITATIONS, rng.randint(2, 3))),
            "plan": "\n".join(plan),
            **TARGETS,
        }
        sheet.append([cells.get(field, "") for field in fields])
    book.save(path)
    state_dimension(path, rows + 1, len(fields))


def state_dimension(path: Path, rows: int, columns: int) -> None:
    """Give the sheet its `<dimension>`, as Excel and LibreOffice save it. openpyxl's write-only mode leaves it
    out, and a reader then parses the whole sheet to learn its size each time it opens the workbook (three times
    in an import, once in the baseline pass): a cost the clerks' workbooks do not have."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    xml, end = parts[sheet], b"</sheetPr>"
    at = xml.index(end) + len(end)  # the dimension follows sheetPr (ECMA-376, CT_Worksheet)
    dimension = f'<dimension ref="A1:{get_column_letter(columns)}{rows}"/>'.encode()
    parts[sheet] = xml[:at] + dimension + xml[at:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def read_only_pass(path: Path) -> float:
    """Seconds for openpyxl to stream every row of the workbook, doing nothing with them."""
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    for _ in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


async def main() -> None:
    args = arguments(__doc__.splitlines()[0], rows=3000, communes=3, importers=1)
    quiet()
    directory = build_demo_directory(communes=args.communes)
    members = [m.member_id for m in directory.members if not m.left]
    if args.rows > len(members) * 20:
        raise SystemExit(f"--rows {args.rows}: at most 20 years of {len(members)} members; give more --communes")
    if args.importers < 1 or args.rows % args.importers:
        raise SystemExit(f"--importers {args.importers}: at least 1, and dividing --rows {args.rows}")
    async with bench_slice("commitments") as prefix, _keys() as (private_key, public_file):
        config = settings("commitments", prefix)
        folder = tempfile.TemporaryDirectory(prefix="ngbench-import-")
        n = args.importers
        paths = [Path(folder.name) / ("cam-ket-nam.xlsx" if n == 1 else f"cam-ket-nam-{i + 1}.xlsx") for i in range(n)]
        started = time.perf_counter()
        for i, path in enumerate(paths):  # distinct members in each: one importer's rows never meet another's
            write_workbook(path, members[i::n], args.rows // n)
        written = time.perf_counter() - started
        env = serve_env(config, public_file)
        neuguong = str(Path(sys.executable).with_name("neuguong"))
        port = free_port()
        server = await serve(port, env)
        admin = await admin_connection()
        try:
            await wait_for(lambda: ready(port), timeout=90, interval=0.3)
            await publish_directory(config, directory, source_name="bench")
            await wait_for(lambda: directory_copied(admin, directory, "commitments"), timeout=300)
            baseline = sum([await asyncio.to_thread(read_only_pass, path) for path in paths])
            token = mint_token(private_key, sub="tinh-uy", role="committee", unit="lc")
            commands = [
                [neuguong, "import", "commitments", str(path), "--url", f"http://127.0.0.1:{port}"] for path in paths
            ]
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor(max_workers=n) as threads:  # all at once: the default pool has cpu + 4 threads
                begun = time.perf_counter()
                runs = await asyncio.gather(
                    *(
                        loop.run_in_executor(threads, run_watching_peak, command, {**env, "NG_TOKEN": token})
                        for command in commands
                    )
                )
                seconds = time.perf_counter() - begun
            done = next((run for run, _, _ in runs if run.returncode != 0), runs[0][0])
            importer_mib = max(mib for _, _, mib in runs)
            service_mib = peak_rss_mib(server.pid)
            filed = await admin.fetchval("SELECT count(*) FROM commitments.commitments")
        finally:
            await admin.close()
            server.terminate()
            await server.wait()
            folder.cleanup()
    if done.returncode != 0 or filed != args.rows:
        raise SystemExit(f"import: exit {done.returncode}, {filed} filed of {args.rows}\n{done.stdout[-2000:]}")

    rate, floor = per_second(args.rows, seconds), per_second(args.rows, baseline)
    print("\n== commitments import (neuguong import commitments, XLSX) ==")
    print(
        f"   {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; rows={vi_number(args.rows)}, "
        f"members={vi_number(len(members))}, importers={n}; workbook(s) written in {vi_decimal(written, 1)} s"
    )
    print(f"   openpyxl read-only pass          {vi_decimal(baseline, 2):>8} s  {vi_number(floor):>8} rows/s")
    print(f"   neuguong import commitments      {vi_decimal(seconds, 2):>8} s  {vi_number(rate):>8} rows/s")
    print(f"   peak RSS: importer {vi_decimal(importer_mib, 1)} MiB, service {vi_decimal(service_mib, 1)} MiB")
    for run, _, _ in runs:
        print("   " + run.stdout.strip().splitlines()[0])
    write_results(
        args.json,
        [
            comparison(
                f"import of {vi_number(args.rows)} rows{f' by {n} importers' if n > 1 else ''}: rows/s",
                rate,
                "rows/s",
                "openpyxl read-only pass",
                floor,
            ),
            {"figure": "import: importer peak RSS", "value": round(importer_mib, 1), "unit": "MiB", "ratio": None},
            {"figure": "import: service peak RSS", "value": round(service_mib, 1), "unit": "MiB", "ratio": None},
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())
