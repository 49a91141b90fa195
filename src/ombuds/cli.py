"""`ombuds`: run, migrate, mint development tokens, and load demo data."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import httpx

from cases.retention import runner as retention_runner
from intake.retention import runner as intake_retention
from mediation.retention import runner as mediation_retention
from ombuds import directory_cli, system, webhooks_cli
from ombuds.audit import AUDITED, export_head, read_head_file, trusted_keys, verify_audit
from ombuds.demo import load_demo
from ombuds.demo_analytics import load_analytics_demo
from ombuds.demo_mediation import load_mediation_demo
from ombuds.history_import import DEFAULT_BATCH
from ombuds.history_import import run as run_import
from ombuds.tokens import dev_token
from ombuds_shared import rewrap
from ombuds_shared.audit import HeadRefused, SignedHead
from ombuds_shared.config import DEFAULT_DATA_DIR, ServiceSettings
from ombuds_shared.db import MAYBE_DATABASE_DOWN, database_unavailable
from ombuds_shared.keys import SigningKey, load_private_key
from ombuds_shared.reference import Role, Tribunal
from ombuds_shared.retention import RetentionReport

_DEMO_MARKER = ".demo-loaded"


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir
    _say(f"Ombuds: data in {data_dir.resolve()}")
    system.ensure_keys(data_dir)
    _say("Running migrations")
    system.migrate(data_dir, args.port, report=_say)
    # The services' JSON logs (access lines included) go to files, not over the status lines;
    # --log-level is each service's level, for every logger of it.
    log_dir = data_dir / "logs"
    levels = {f"{spec.env_prefix}LOG_LEVEL": args.log_level.upper() for spec in system.SERVICES}
    running = system.System(
        data_dir, args.port, extra_env=levels, log_level=args.log_level, log_dir=log_dir
    )
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    _say("Starting services")
    try:
        running.start(report=_say)
        gateway = running.url("gateway")
        if not args.no_demo and not (data_dir / _DEMO_MARKER).exists():
            _say("Loading demo data (first start of this data folder)")
            # Up at once: the history's events reach analytics while the system serves.
            load_everything(gateway, data_dir, requests=60, wait=False)
            (data_dir / _DEMO_MARKER).touch()
        _say(f"\nOmbuds is up: {gateway}  (API docs: {gateway}/docs)")
        _say(f"Logs (JSON lines): {log_dir.resolve()}/<service>.log")
        _say(f"Mint a token:  uv run ombuds{_where(args)} token --role ombudsman --office new-york")
        _say("Press Ctrl-C to stop.")
        while not stopping:
            if dead := running.exited():
                _say(f"service stopped unexpectedly: {', '.join(dead)}")
                return 1
            time.sleep(0.5)
        return 0
    finally:
        _say("Stopping services")
        running.stop()
        _say("Stopped.")


def _where(args: argparse.Namespace) -> str:
    """The global options a follow-up command needs to reach this system (none by default)."""
    options = ""
    if args.data_dir != DEFAULT_DATA_DIR:
        options += f" --data-dir {shlex.quote(str(args.data_dir))}"
    if args.port != system.DEFAULT_PORT:
        options += f" --port {args.port}"
    return options


def cmd_migrate(args: argparse.Namespace) -> int:
    system.migrate(args.data_dir, args.port, report=_say)
    _say("Migrations done.")
    return 0


# Roles that act for one office: a token without it reaches nothing and only confuses.
_OFFICE_ROLES = frozenset({Role.OMBUDSMAN, Role.MEDIATOR, Role.CHIEF})


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535 - len(system.SERVICES):
        raise argparse.ArgumentTypeError(f"no port block starts at {value}")
    return value


def cmd_token(args: argparse.Namespace) -> int:
    if args.role == Role.REGISTRY and not args.tribunal:
        print("ombuds: a registry token names its tribunal: add --tribunal.", file=sys.stderr)
        return 2
    if args.role in _OFFICE_ROLES and not args.office:
        print(f"ombuds: a token for the {args.role} role names an office: add --office.",
              file=sys.stderr)  # fmt: skip
        return 2
    system.ensure_keys(args.data_dir)
    print(
        dev_token(
            args.data_dir,
            role=args.role,
            subject=args.sub,
            office=args.office,
            tribunal=args.tribunal,
            lifetime=args.ttl,
        )
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    gateway = args.gateway or f"http://{system.HOST}:{args.port}"
    _say(f"Loading demo data through {gateway}")
    load_everything(gateway, args.data_dir, requests=args.requests, again=args.again)
    _say("Done.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Imports an office's history; exit 1 when a line was not imported (see the report)."""
    if not args.file.is_file():
        print(f"ombuds: no such file: {args.file}", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("OMBUDS_TOKEN")
    if not token:
        # Development: the built-in issuer of this data folder speaks for an administrator.
        system.ensure_keys(args.data_dir)
        token = dev_token(args.data_dir, role=Role.ADMINISTRATOR, subject="dev-administrator")
    summary = run_import(
        args.file,
        gateway_url=args.gateway or f"http://{system.HOST}:{args.port}",
        token=token,
        report_path=args.report,
        dry_run=args.dry_run,
        all_or_nothing=args.all_or_nothing,
        batch_size=args.batch_size,
        say=_say,
    )
    return 1 if summary.problems else 0


def load_everything(
    gateway: str, data_dir: Path, *, requests: int, again: bool = False, wait: bool = True
) -> None:
    """Requests and cases in every state, mediations with certificates, years of history
    (imported as an office's history is, once per data folder unless `again`)."""
    cases = load_demo(gateway, data_dir, requests=requests, report=_say)
    _say(f"  intake and cases: {cases}")
    mediations = load_mediation_demo(gateway, data_dir, report=_say)
    _say(f"  mediation: {mediations}")
    history = load_analytics_demo(gateway, data_dir, report=_say, again=again, wait=wait)
    _say(f"  analytics history: {history}")


def _settings(args: argparse.Namespace, spec: system.ServiceSpec) -> object:
    """A service's settings as `ombuds up` gives them (environment overrides apply)."""
    # Variables the operator set explicitly win over the defaults of `ombuds up`.
    overrides = {k: v for k, v in os.environ.items() if k.startswith(spec.env_prefix)}
    env = {**system.service_environment(args.data_dir, args.port), **overrides}
    return system.settings_for(spec, env)


# Cases and mediation first: their runs ask intake's vault to destroy the identities
# bound to what they destroy; intake's own schedule (requests that never became a case)
# then runs on a vault that is already up to date.
RETENTION_ORDER = ("cases", "mediation", "intake")
_RETENTION_WHAT = {
    "cases": "case(s) closed",
    "mediation": "mediation(s) closed",
    "intake": "request(s) declined or left untriaged",
}


def _retention_runner(name: str) -> Callable[..., Coroutine[Any, Any, RetentionReport]]:
    runners: dict[str, Callable[..., Coroutine[Any, Any, RetentionReport]]] = {
        "cases": retention_runner.run_once,
        "mediation": mediation_retention.run_once,
        "intake": intake_retention.run_once,
    }
    return runners[name]


def cmd_retention_run(args: argparse.Namespace) -> int:
    """Runs every service's schedule in turn: progress as it goes, a summary per service."""
    failed = False
    summaries: list[str] = []
    for name in args.service or RETENTION_ORDER:
        spec = next(s for s in system.BACKENDS if s.name == name)
        _say(f"{name}: {'dry run' if args.dry_run else 'running'} the retention schedule")
        try:
            report = asyncio.run(
                _retention_runner(name)(_settings(args, spec), dry_run=args.dry_run)
            )
        except MAYBE_DATABASE_DOWN as exc:
            if not database_unavailable(exc):
                raise
            _say(f"{name}: its database is unavailable ({type(exc).__name__}); nothing done")
            summaries.append(f"{name}: not run (database unavailable)")
            failed = True
            continue
        what = f"{_RETENTION_WHAT[name]} on or before {report.cutoff.date().isoformat()}"
        if args.dry_run:
            for item in report.due:
                _say(f"  {name}: would destroy {item}")
            summaries.append(f"{name}: {len(report.due)} {what} would be destroyed")
            continue
        for item in report.destroyed:
            _say(f"  {name}: destroyed {item}")
        for item, reason in report.failed.items():
            _say(f"  {name}: not finished {item}: {reason} (retried on the next run)")
        summary = f"{name}: destroyed the confidential content of {len(report.destroyed)} {what}"
        if report.failed:
            summary += f"; {len(report.failed)} not finished"
            failed = True
        summaries.append(summary)
    _say("Dry run, nothing changed:" if args.dry_run else "Summary:")
    for summary in summaries:
        _say(f"  {summary}")
    return 1 if failed else 0


def _audited(args: argparse.Namespace) -> dict[str, ServiceSettings]:
    """The settings of each service whose log the command handles (all, unless --service)."""
    chosen = args.service or list(AUDITED)
    services = {}
    for name in (n for n in AUDITED if n in chosen):
        settings = _settings(args, next(s for s in system.BACKENDS if s.name == name))
        assert isinstance(settings, ServiceSettings)
        services[name] = settings
    return services


def cmd_audit_verify(args: argparse.Namespace) -> int:
    services = _audited(args)
    earlier: dict[str, SignedHead] = {}
    if args.against:
        keys = trusted_keys(
            signing_key_files={
                name: settings.resolved_signing_key_file for name, settings in services.items()
            },
            public_key_file=args.public_key,
            jwks=args.jwks,
        )
        for path in args.against:
            try:
                heads = read_head_file(path, keys)
            except HeadRefused as exc:
                _say(f"the head in {path} is REFUSED: {exc}")
                return 1
            for head in heads:
                if head.service in earlier:
                    _say(f"{head.service}: a second head in {path} is REFUSED: one per service")
                    return 1
                earlier[head.service] = head
    worst = 0
    for name, settings in services.items():
        against = earlier.get(name)
        result = asyncio.run(verify_audit(name, settings.resolved_database_url, against))
        since = ""
        if against is not None:
            signed = against.signed_at.isoformat(timespec="seconds")
            since = f", and extends the head signed {signed} ({against.entries} entries)"
        if result.intact:
            _say(f"{name}: audit log intact ({result.entries} entries){since}")
            continue
        worst = 1
        _say(f"{name}: audit log TAMPERED ({result.entries} entries)")
        for problem in result.problems:
            _say(f"  {problem}")
    return worst


def cmd_audit_export_head(args: argparse.Namespace) -> int:
    lines = []
    for name, settings in _audited(args).items():
        key = SigningKey.for_owner(load_private_key(settings.resolved_signing_key_file), name)
        lines.append(asyncio.run(export_head(name, settings.resolved_database_url, key)))
        if args.output is not None:
            _say(f"{name}: signed head (key {key.kid})")
    if args.output is None:
        print("\n".join(lines))
    else:
        args.output.write_text("\n".join(lines) + "\n")
        _say(f"written to {args.output}: keep it apart from the system")
    return 0


# The services that keep data keys wrapped by a master key ring (each has `<name>.rewrap`).
REWRAPPING = ("intake", "cases", "mediation")


def cmd_rewrap_master_keys(args: argparse.Namespace) -> int:
    worst = 0
    for name in args.service or REWRAPPING:
        spec = next(s for s in system.BACKENDS if s.name == name)
        columns = importlib.import_module(f"{name}.rewrap").WRAPPED_KEYS
        code = rewrap.run(
            _settings(args, spec),  # type: ignore[arg-type]
            columns,
            status_only=args.status,
            batch_size=args.batch_size,
            report=_say,
        )
        worst = max(worst, code)
    return worst


class _OneLineParser(argparse.ArgumentParser):
    """A mistake on the command line is one line on stderr (and exit 2), not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="ombuds", description=__doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder for the embedded databases and development keys",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=system.DEFAULT_PORT,
        help="gateway port; the services take the next four, the gateway's private listener "
        "the one after",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run all five services (Ctrl-C stops them)")
    up.add_argument("--no-demo", action="store_true", help="do not load demo data on first start")
    up.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error", "critical"],
        help="level of every service's logs (in <data-dir>/logs/; info includes access lines)",
    )
    up.set_defaults(func=cmd_up)

    migrate = commands.add_parser("migrate", help="run every service's pending migrations")
    migrate.set_defaults(func=cmd_migrate)

    token = commands.add_parser("token", help="print a development token for a role")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--office", help="office code, e.g. new-york (ombudsman, chief)")
    token.add_argument(
        "--tribunal",
        choices=[t.value for t in Tribunal],
        help="the tribunal a registry account serves (registry only, required there)",
    )
    token.add_argument("--sub", help="subject (user id); default dev-<role>")
    token.add_argument("--ttl", type=_positive_int, default=8 * 3600, help="lifetime in seconds")
    token.set_defaults(func=cmd_token)

    directory_cli.add_parsers(commands)
    webhooks_cli.add_parsers(commands)

    demo = commands.add_parser("demo", help="load synthetic demo data through the public API")
    demo.add_argument("--gateway", help="gateway URL (default http://127.0.0.1:PORT)")
    demo.add_argument("--requests", type=int, default=60)
    demo.add_argument(
        "--again",
        action="store_true",
        help="add another years-long history even though this data folder has one",
    )
    demo.set_defaults(func=cmd_demo)

    imports = commands.add_parser(
        "import",
        help="import an office's history (JSON Lines or CSV; see docs/import.md)",
        description="Streams FILE to the gateway's import route in batches. Each line is "
        "checked (dates, codes, office); bad lines go to the report (JSON Lines: line, field, "
        "reason) and never stop the good ones unless --all-or-nothing. A line imported "
        "before is unchanged; the same source id with other content is a conflict. "
        "Exit 0 when every line is imported or unchanged, 1 otherwise.",
    )
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument(
        "--dry-run", action="store_true", help="check every line (on the server too); write nothing"
    )
    imports.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="check the whole file first and write nothing if any line is bad",
    )
    imports.add_argument(
        "--report", type=Path, help="the per-line report (default FILE.report.jsonl)"
    )
    imports.add_argument("--gateway", help="gateway URL (default http://127.0.0.1:PORT)")
    imports.add_argument(
        "--token",
        help="an administrator's bearer token (default $OMBUDS_TOKEN; in development, one "
        "minted by this data folder's built-in issuer)",
    )
    imports.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help=argparse.SUPPRESS)
    imports.set_defaults(func=cmd_import)

    retention = commands.add_parser(
        "retention", help="every service's retention schedule of confidential content"
    )
    retention_commands = retention.add_subparsers(dest="retention_command", required=True)
    retention_run = retention_commands.add_parser(
        "run",
        help="destroy what is due under the schedules of cases, mediation and intake",
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="only list what would be destroyed; change nothing"
    )
    retention_run.add_argument(
        "--service",
        action="append",
        choices=RETENTION_ORDER,
        help="run this service's schedule only (repeatable; default: all, in the order "
        "cases, mediation, intake)",
    )
    retention_run.set_defaults(func=cmd_retention_run)

    audit = commands.add_parser(
        "audit", help="the services' audit logs (" + ", ".join(AUDITED) + ")"
    )
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="detect edited, deleted or reordered entries")
    verify.add_argument(
        "--against",
        type=Path,
        action="append",
        metavar="HEADFILE",
        help="also prove each log still extends the earlier signed heads in this file, one "
        "per service (detects a log cut short or rewritten from scratch); repeatable",
    )
    verify.add_argument(
        "--jwks",
        metavar="FILE_OR_URL",
        help="verify with this JWKS (the gateway's private listener serves /internal/jwks.json)",
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="PEM",
        help="verify the head with this Ed25519 public key",
    )
    verify.set_defaults(func=cmd_audit_verify)
    export = audit_commands.add_parser(
        "export-head",
        help="print each log's chain heads as a JWS signed with its service's key, one a line",
    )
    export.add_argument("--output", type=Path, help="write them to this file instead")
    export.set_defaults(func=cmd_audit_export_head)
    for command in (verify, export):
        command.add_argument(
            "--service",
            action="append",
            choices=list(AUDITED),
            help="only this service's log (repeatable; default: every log)",
        )

    rewrap_keys = commands.add_parser(
        "rewrap-master-keys",
        help="re-wrap stored data keys under the newest master key of each ring",
        description="After a new master key was appended to a service's ring (and every "
        "replica runs with it), re-wrap its stored data keys under it, so that the older "
        "key can leave the ring. Safe while the services run; run it again to resume. "
        "Exit 0: no data key is left under an older key.",
    )
    rewrap_keys.add_argument(
        "--service",
        action="append",
        choices=REWRAPPING,
        help="only this service (repeatable; default: all three)",
    )
    rewrap.add_arguments(rewrap_keys)
    rewrap_keys.set_defaults(func=cmd_rewrap_master_keys)
    return parser  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (RuntimeError, TimeoutError) as exc:
        print(f"ombuds: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"ombuds: no such file: {exc.filename or exc}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        where = exc.request.url if exc.request else "the gateway"
        print(f"ombuds: cannot reach {where} ({type(exc).__name__}); is `ombuds up` "
              "running, on this --port?", file=sys.stderr)  # fmt: skip
        return 1
    except MAYBE_DATABASE_DOWN as exc:
        if not database_unavailable(exc):
            raise
        print(
            f"ombuds: a database is not reachable ({type(exc).__name__}); "
            "run `ombuds migrate` or check the database URL",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
