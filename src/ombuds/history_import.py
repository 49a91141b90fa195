"""`ombuds import FILE`: an office's history, streamed to the gateway's import route.

The file (JSON Lines, or CSV by its `.csv` suffix; docs/import.md) is read a line
at a time and sent in batches, so memory stays bounded whatever its size. Each
line is checked here with the schema the cases service checks it with
(`ombuds_shared.history`); a bad line is reported (line, field, reason) and
never stops the good ones, unless `--all-or-nothing`, which first checks the
whole file on the server (a dry run) and writes only if every line passes.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from ombuds.gateway_client import gateway_client
from ombuds_shared.history import (
    RecordOutcome,
    kind_of,
    parse_mediation,
    parse_record,
    record_from_csv_row,
)

# Each kind of record goes to the route of the service that owns it.
ROUTES = {"case": "/v1/imports/cases", "mediation": "/v1/imports/mediations"}
_PARSERS = {"case": parse_record, "mediation": parse_mediation}
DEFAULT_BATCH = 200
# Batches sent before the first one's answer is awaited.
IN_FLIGHT = 2
# A batch racing another with some of the same records is refused whole (409): the
# second try answers each record (unchanged, or a conflict).
_RETRIES = 3
# Outcomes that are not a problem of the line.
_FINE = {RecordOutcome.CREATED.value, RecordOutcome.UNCHANGED.value}


@dataclass
class Summary:
    lines: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    dry_run: bool = False
    stopped: bool = False  # --all-or-nothing found a bad line: nothing was written

    @property
    def problems(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome not in _FINE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            **{o.value: self.outcomes.get(o.value, 0) for o in RecordOutcome},
            "dry_run": self.dry_run,
            "written": not (self.dry_run or self.stopped),
            "seconds": round(self.seconds, 2),
        }


@dataclass
class _Line:
    kind: str
    number: int
    source_id: str | None
    record: dict[str, Any] | None
    errors: list[dict[str, str]]


def _lines_of(path: Path, handle: IO[str]) -> Iterator[_Line]:
    """The file's records, one at a time, with their line numbers."""
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(handle)
        for row in reader:
            record = record_from_csv_row(row)
            yield _checked(reader.line_num, record)
        return
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            error = {"field": "record", "reason": f"not JSON: {exc.msg}"}
            yield _Line("case", number, None, None, [error])
            continue
        yield _checked(number, raw)


def _checked(number: int, raw: Any) -> _Line:
    source_id = raw.get("source_id") if isinstance(raw, dict) else None
    source_id = source_id if isinstance(source_id, str) else None
    kind = kind_of(raw)
    parse = _PARSERS.get(kind)
    if parse is None:
        wanted = ", ".join(_PARSERS)
        return _Line(kind, number, source_id, None, [{"field": "kind", "reason": f"not {wanted}"}])
    record, errors = parse(raw)
    if record is None:
        return _Line(kind, number, source_id, None, errors)
    return _Line(kind, number, source_id, raw, [])


class _Progress:
    """A progress line on stderr: records, rate, share of the file, ETA."""

    def __init__(self, total_bytes: int, out: IO[str] | None) -> None:
        self.total = max(total_bytes, 1)
        self.out = out
        self.started = time.monotonic()

    def show(self, lines: int, done_bytes: int, *, final: bool = False) -> None:
        if self.out is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        share = min(done_bytes / self.total, 1.0)
        rate = lines / elapsed
        eta = elapsed * (1 - share) / share if share > 0 else 0.0
        bar = "#" * int(share * 30)
        self.out.write(
            f"\r[{bar:<30}] {share:6.1%}  {lines:,} lines  {rate:,.0f}/s  "
            f"ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )
        if final:
            self.out.write("\n")
        self.out.flush()


def import_file(
    path: Path,
    *,
    client: httpx.Client,
    token: str,
    report_path: Path,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: IO[str] | None = sys.stderr,
) -> Summary:
    """Imports the file; the per-line report goes to `report_path` (JSON Lines)."""
    started = time.monotonic()
    with report_path.open("w", encoding="utf-8") as report:
        if all_or_nothing and not dry_run:
            checked = _one_pass(path, client, token, report, True, batch_size, progress)
            if checked.problems:
                checked.stopped = True
                checked.dry_run = False
                checked.seconds = time.monotonic() - started
                _write_summary(report, checked)
                return checked
            report.seek(0)
            report.truncate()
        summary = _one_pass(path, client, token, report, dry_run, batch_size, progress)
        summary.seconds = time.monotonic() - started
        _write_summary(report, summary)
    return summary


def _write_summary(report: IO[str], summary: Summary) -> None:
    report.write(json.dumps({"summary": summary.as_dict()}) + "\n")


def _one_pass(
    path: Path,
    client: httpx.Client,
    token: str,
    report: IO[str],
    dry_run: bool,
    batch_size: int,
    progress_out: IO[str] | None,
) -> Summary:
    summary = Summary(dry_run=dry_run)
    progress = _Progress(path.stat().st_size, progress_out)
    batches: dict[str, list[_Line]] = {kind: [] for kind in ROUTES}

    def note(line: _Line, outcome: str, status: int, errors: list[dict[str, str]]) -> None:
        summary.outcomes[outcome] += 1
        if outcome not in _FINE:
            report.write(json.dumps({"line": line.number, "source_id": line.source_id,
                                     "outcome": outcome, "status": status,
                                     "errors": errors}) + "\n")  # fmt: skip

    # A few batches in flight at once: the services work on one while the next travels.
    in_flight: deque[tuple[list[_Line], Future[list[dict[str, Any]]]]] = deque()

    def collect() -> None:
        batch, answer = in_flight.popleft()
        for line, result in zip(batch, answer.result(), strict=True):
            note(line, result["outcome"], result["status"], result["errors"])

    def send(kind: str) -> None:
        batch = batches[kind]
        records = [line.record for line in batch]
        answer = pool.submit(_post, client, token, ROUTES[kind], records, dry_run)
        in_flight.append((list(batch), answer))
        batch.clear()
        while len(in_flight) >= IN_FLIGHT:
            collect()

    with (
        ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="import") as pool,
        path.open(encoding="utf-8", newline="") as handle,
    ):
        for line in _lines_of(path, handle):
            summary.lines += 1
            if line.record is None:
                note(line, RecordOutcome.INVALID.value, 422, line.errors)
            else:
                batches[line.kind].append(line)
                if len(batches[line.kind]) >= batch_size:
                    send(line.kind)
                    progress.show(summary.lines, _position(handle))
        for kind, batch in batches.items():
            if batch:
                send(kind)
        while in_flight:
            collect()
        progress.show(summary.lines, path.stat().st_size, final=True)
    return summary


def _position(handle: IO[str]) -> int:
    try:
        return handle.buffer.tell()  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return 0


def _post(
    client: httpx.Client, token: str, route: str, records: list[Any], dry_run: bool
) -> list[dict[str, Any]]:
    for attempt in range(_RETRIES):
        answer = client.post(
            route,
            json={"records": records, "dry_run": dry_run},
            headers={"Authorization": f"Bearer {token}"},
        )
        if answer.status_code != 409:
            break
        time.sleep(0.2 * (attempt + 1))
    if answer.status_code != 200:
        raise RuntimeError(f"the gateway refused a batch ({answer.status_code}): {answer.text}")
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def run(
    path: Path,
    *,
    gateway_url: str,
    token: str,
    report_path: Path | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    batch_size: int = DEFAULT_BATCH,
    say: Callable[[str], None] = print,
    progress: IO[str] | None = sys.stderr,
) -> Summary:
    """The command: imports, then says what happened and where the report is."""
    report_path = report_path or path.with_name(path.name + ".report.jsonl")
    with gateway_client(gateway_url, timeout=120) as client:
        summary = import_file(
            path, client=client, token=token, report_path=report_path, dry_run=dry_run,
            all_or_nothing=all_or_nothing, batch_size=batch_size, progress=progress,
        )  # fmt: skip
    counts = summary.as_dict()
    say(
        f"{counts['lines']:,} line(s): {counts['created']:,} created, "
        f"{counts['unchanged']:,} unchanged, {counts['conflict']:,} conflict(s), "
        f"{counts['invalid']:,} invalid, in {counts['seconds']} s"
        + (" (dry run: nothing written)" if dry_run else "")
        + (" (--all-or-nothing: bad lines, nothing written)" if summary.stopped else "")
    )
    say(f"report: {report_path}")
    return summary
