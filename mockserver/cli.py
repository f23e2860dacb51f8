"""`mockserver serve`, `mockserver routes` and `mockserver verify`.

Every input error (an option, a spec or fixtures file) is one line on stderr that names the input
and the fix, with exit status 2; never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import orjson

from . import control, gcpolicy, scripts
from .admin import ADMIN_ROUTES
from .app import Settings, create_app
from .cors import parse_origins
from .misbehave import FAULTS
from .readings import READINGS
from .routing import MountError, mounts_from, served_specs
from .spec import bundled_spec_paths, load_specs, resolve_spec_path
from .times import parse_time
from .verify import build_report

LOG_LEVELS = ["critical", "error", "warning", "info", "debug", "trace"]
LOOPS = ["asyncio", "uvloop"]  # uvicorn's names; `python -m bench.speed --loop uvloop` measures the other
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class Cli(click.Group):
    """click, with usage errors as one line (`mockserver serve: Invalid value for '--now': ...`)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NO_ARGS_IS_HELP as exc:  # `mockserver` alone: the help, as click shows it
            click.echo(exc.ctx.get_help(), err=True)
            sys.exit(2)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "mockserver"
            click.echo(f"{where}: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"mockserver: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("mockserver: aborted", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


def _now(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time; use e.g. 2026-01-01T00:00:00Z") from None


def _mounts(ctx, param, values):
    try:
        return mounts_from(values)
    except MountError as exc:
        raise click.BadParameter(str(exc)) from None


def _settings(spec, seed, size, token, now) -> Settings:
    return Settings(specs=list(spec) or None, seed=seed, size=size, token=token, now=now or Settings().now)


def _load(build):
    """Run `build()`; a bad spec or fixtures file is a usage error (one line, exit 2)."""
    try:
        return build()
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    except Exception as exc:  # a spec whose x-mock or x-faker blocks the generator cannot compile
        raise click.UsageError(f"cannot build the mock from these specs: {type(exc).__name__}: {exc}".splitlines()[0]) from None


common = [
    click.option("--spec", multiple=True, metavar="FILE|NAME", help="Spec file or bundled name (repeatable); default: all bundled."),
    click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data, in every process."),
    click.option("--size", type=click.IntRange(0, 10_000_000), default=None, help="Give every collection exactly this many items."),
    click.option("--token", default=None, help="Accept only this token (default: any token in the documented form)."),
    click.option("--now", default=None, metavar="RFC3339", callback=_now, help="The mock's clock (default 2026-01-01T00:00:00Z)."),
]


def with_common(fn):
    for option in reversed(common):
        fn = option(fn)
    return fn


@click.group(cls=Cli)
def main() -> None:
    """A spec-driven mock server for discount-code and promotion-usage APIs."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes; every one serves identical data (each keeps its own journal).")
@click.option("--loop", type=click.Choice(LOOPS), default="asyncio", show_default=True,
              help="Event loop. uvloop answers repeated requests ~20% faster, but under full load it holds "
                   "responses back while it reads new requests (p99 at 64 connections 60 ms instead of 10-14).")
@click.option("--reload", is_flag=True, help="Rebuild when a spec or fixtures file changes; a broken file keeps the last good version serving.")
@click.option("--fixtures", "fixture_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON file of records to pin among the generated ones (repeatable).")
@click.option("--script", "script_file", default=None, metavar="FILE",
              help="YAML/JSON fault script: rules that answer a status, delay, drop, truncate or change data.")
@click.option("--latency", default=None, metavar="MS|LO..HI", help="Delay every response, e.g. 20..200 (ms).")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answered 500.")
@click.option("--rate-limit", default=None, metavar="N/s", help="Answer 429 + Retry-After beyond N requests per second.")
@click.option("--strict", is_flag=True, help="Reject undocumented query parameters (they are always journaled).")
@click.option("--no-admin", is_flag=True, help="Switch off the /__mock/ admin endpoints (health stays).")
@click.option("--cors", "cors", default=None, metavar="ORIGIN[,...]", help="Origins whose pages may call the mock (or *); default: loopback pages.")
@click.option("--no-cors", is_flag=True, help="Send no CORS headers and answer no preflights.")
@click.option("--access-log/--no-access-log", default=None, help="One line per request on stderr, tokens redacted (default: on at --log-level info).")
@click.option("--log-level", default="warning", show_default=True, type=click.Choice(LOG_LEVELS, case_sensitive=False))
@click.option("--misbehave", multiple=True, type=click.Choice(sorted(FAULTS)), hidden=True,
              help="Deliberate bug, for testing contract checks (repeatable).")
@click.option("--reading", "readings_", multiple=True, type=click.Choice(sorted(READINGS)),
              help="Serve another reading of a point the vendor pages leave open (repeatable; see mockserver/readings.py).")
@click.option("--mount", "mounts", multiple=True, metavar="SPEC=PREFIX", callback=_mounts,
              help="Serve that spec's operations under a path prefix, e.g. my.yaml=/ct (repeatable).")
@with_common
def serve(host, port, workers, loop, reload, fixture_files, script_file, latency, error_rate, rate_limit, strict, no_admin,
          cors, no_cors, access_log, log_level, misbehave, readings_, mounts, spec, seed, size, token, now) -> None:
    """Serve every operation of the specs."""
    import uvicorn

    settings = _settings(spec, seed, size, token, now)
    settings.mounts = mounts
    try:
        settings.latency = control.parse_range(latency, "--latency") if latency else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--latency'") from None
    try:
        settings.rate_limit = control.parse_rate(rate_limit) if rate_limit else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--rate-limit'") from None
    if cors is not None and no_cors:
        raise click.UsageError("--cors and --no-cors contradict each other; give one")
    try:
        settings.cors = () if no_cors else parse_origins(cors) if cors is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--cors'") from None
    settings.access_log = access_log if access_log is not None else log_level.lower() in ("info", "debug", "trace")
    settings.reload = reload
    settings.error_rate, settings.strict, settings.admin = error_rate, strict, not no_admin
    settings.fixtures = list(fixture_files)
    try:
        settings.scripts = scripts.load_file(script_file) if script_file else []
    except scripts.ScriptError as exc:
        raise click.BadParameter(str(exc), param_hint="'--script'") from None
    settings.misbehave = tuple(misbehave)
    settings.readings = tuple(readings_)
    watched = _load(lambda: [resolve_spec_path(s) for s in served_specs(settings.specs, mounts) or []] or bundled_spec_paths())
    watched += [Path(f) for f in settings.fixtures]
    app = _load(lambda: create_app(settings))  # fail fast, with a clear message, on a bad spec or fixtures file
    mounted = "".join(f", {Path(path).stem} under {prefix or '/'}" for path, prefix in mounts.items())
    click.echo(f"mockserver: serving {', '.join(settings.specs or ['all bundled specs'])}{mounted} on http://{host}:{port} (seed {seed})", err=True)
    if workers == 1:
        if reload:  # rebuilt in place; a broken file keeps the last good app answering (reload.py)
            from .reload import Reloading

            built = [app]
            app = Reloading(lambda: built.pop() if built else create_app(settings), watched)
        gcpolicy.settle()  # start-up's objects out of the collector's way (gcpolicy.py)
        uvicorn.run(app, host=host, port=port, log_level=log_level.lower(), access_log=False, loop=loop)
        return
    # Several processes: each builds its own app from the same settings (same data), and with
    # --reload rebuilds it on its own.
    os.environ.update(settings.to_env())
    uvicorn.run("mockserver.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level.lower(), access_log=False, loop=loop)


@main.command()
@click.argument("specs", nargs=-1, metavar="SPEC...")
def check(specs) -> None:
    """Check specs' x-mock, x-faker and x-contract blocks (default: the bundled ones; a directory: its
    specs): every problem with its file and path, exit 2 if there is any."""
    from .language import check as check_specs

    count, found = check_specs(list(specs))
    for line in found:
        click.echo(line, err=True)
    if found:
        raise SystemExit(2)
    click.echo(f"mockserver check: {count} spec(s), no problems")


def _served_how(op) -> str:
    """`x-mock collection, paged by offset/limit` (or page/limit, a cursor, Link page tokens)."""
    paging = op.mock.get("paging") or {}
    cursor = paging.get("cursor") or {}
    if cursor.get("token"):
        style = f"`{cursor['token']}` tokens in the Link header"
    elif cursor:
        style = "cursor " + "/".join(cursor.values())
    else:
        style = "/".join(paging[k] for k in ("offset", "page", "limit") if paging.get(k)) or "nothing"
    return f"x-mock collection, paged by {style}"


@main.command()
@click.option("--spec", multiple=True, metavar="FILE|NAME")
@click.option("--mount", "mounts", multiple=True, metavar="SPEC=PREFIX", callback=_mounts,
              help="As for serve: that spec's paths under a prefix.")
def routes(spec, mounts) -> None:
    """List the operations served (with how a spec without x-mock serves each), and the admin endpoints."""
    from .plain import plan_spec
    from .routing import mount_prefix

    served = Settings(mounts=mounts)
    for s in _load(lambda: load_specs(served_specs(list(spec) or None, mounts))):
        plans = plan_spec(s)
        for op in s.operations:
            how = _served_how(op) if "collection" in op.mock else f"plain: {plans[op.operation_id].describe()}"
            path = mount_prefix(served, s) + op.path
            click.echo(f"{op.method.upper():6} {path:58} {s.name}:{op.operation_id} [{how or 'plain'}]")
    for method, path, what in ADMIN_ROUTES:
        click.echo(f"{method:6} {path:58} admin: {what}")


@main.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The running mock.")
@click.option("--spec", multiple=True, metavar="FILE|NAME", help="Specs the mock serves (default: all bundled).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--clear", is_flag=True, help="Clear the journal after reading it.")
def verify(url, spec, as_json, clear) -> None:
    """Report what a client did against a running mock: violations (exit 1) and coverage."""
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/__mock/requests", timeout=10)
        response.raise_for_status()
        rules = httpx.get(f"{url.rstrip('/')}/__mock/scripts", timeout=10)
        if clear:
            httpx.delete(f"{url.rstrip('/')}/__mock/requests", timeout=10)
    except httpx.HTTPError as exc:
        click.echo(f"mockserver verify: cannot read the journal at {url}: {exc}", err=True)
        sys.exit(2)
    report = build_report(_load(lambda: load_specs(list(spec) or None)), response.json(),
                          rules.json() if rules.status_code == 200 else None)
    click.echo(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() if as_json else report.as_text())
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--upstream", required=True, metavar="URL", help="The live API to forward to, e.g. https://staging.example.com.")
@click.option("--spec", multiple=True, metavar="FILE|NAME", help="Specs to check traffic against (default: all bundled).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--record", default=None, metavar="FILE", help="Write what the upstream answered as a pins file (`serve --fixtures FILE` replays it).")
@click.option("--token-env", default=None, metavar="VAR", help="Send this environment variable's token instead of the client's credentials.")
@click.option("--strict", is_flag=True, help="Answer a client violation with the vendor's 4xx instead of forwarding it.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True, help="Seconds to wait for the upstream (then 504).")
@click.option("--access-log", is_flag=True, help="One line per request on stderr, tokens redacted.")
def proxy(upstream, spec, host, port, record, token_env, strict, timeout, access_log) -> None:
    """Forward to a live API; check requests and answers against the specs (see README: Pointing at staging)."""
    import uvicorn
    from urllib.parse import urlsplit

    from .proxy import ProxySettings, create_proxy_app

    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise click.BadParameter(f"{upstream!r} is not an http(s) base URL; use e.g. https://staging.example.com",
                                 param_hint="'--upstream'")
    token = None
    if token_env:
        token = os.environ.get(token_env, "").strip()
        if not token:
            raise click.BadParameter(f"the environment variable {token_env} is not set or empty", param_hint="'--token-env'")
    if record and not Path(record).resolve().parent.is_dir():
        raise click.BadParameter(f"{record!r}: its directory does not exist", param_hint="'--record'")
    settings = ProxySettings(upstream=upstream.rstrip("/"), specs=list(spec) or None, record=record, token=token,
                             strict=strict, timeout=timeout, access_log=access_log)
    app = _load(lambda: create_proxy_app(settings))
    click.echo(f"mockserver: proxying http://{host}:{port} to {app.state.proxy.upstream.shown}"
               + (f", recording to {record}" if record else ""), err=True)
    # The upstream's own Date and Server headers pass through; uvicorn adding its own would double them.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False, date_header=False)
