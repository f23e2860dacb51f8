"""`mockserver serve` and `mockserver routes`."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click
import orjson

from . import control
from .admin import ADMIN_ROUTES
from .app import Settings, create_app
from .misbehave import FAULTS
from .spec import bundled_spec_paths, load_specs, resolve_spec_path
from .verify import build_report


def _settings(spec, seed, size, token, now) -> Settings:
    return Settings(specs=list(spec) or None, seed=seed, size=size, token=token,
                    now=datetime.fromisoformat(now.replace("Z", "+00:00")) if now else Settings().now)


common = [
    click.option("--spec", multiple=True, metavar="FILE|NAME", help="Spec file or bundled name (repeatable); default: all bundled."),
    click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data, in every process."),
    click.option("--size", type=click.IntRange(0, 10_000_000), default=None, help="Give every collection exactly this many items."),
    click.option("--token", default=None, help="Accept only this token (default: any token in the documented form)."),
    click.option("--now", default=None, metavar="RFC3339", help="The mock's clock (default 2026-01-01T00:00:00Z)."),
]


def with_common(fn):
    for option in reversed(common):
        fn = option(fn)
    return fn


@click.group()
def main() -> None:
    """A spec-driven mock server for discount-code and promotion-usage APIs."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes; every one serves identical data (each keeps its own journal).")
@click.option("--reload", is_flag=True, help="Restart when a spec or fixtures file changes.")
@click.option("--fixtures", "fixture_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="YAML/JSON file of records to pin among the generated ones (repeatable).")
@click.option("--latency", default=None, metavar="MS|LO..HI", help="Delay every response, e.g. 20..200 (ms).")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests answered 500.")
@click.option("--rate-limit", default=None, metavar="N/s", help="Answer 429 + Retry-After beyond N requests per second.")
@click.option("--strict", is_flag=True, help="Reject undocumented query parameters (they are always journaled).")
@click.option("--no-admin", is_flag=True, help="Switch off the /__mock/ admin endpoints (health stays).")
@click.option("--log-level", default="warning", show_default=True)
@click.option("--misbehave", multiple=True, type=click.Choice(sorted(FAULTS)), hidden=True,
              help="Deliberate bug, for testing contract checks (repeatable).")
@with_common
def serve(host, port, workers, reload, fixture_files, latency, error_rate, rate_limit, strict, no_admin,
          log_level, misbehave, spec, seed, size, token, now) -> None:
    """Serve every operation of the specs."""
    import uvicorn

    settings = _settings(spec, seed, size, token, now)
    try:
        settings.latency = control.parse_range(latency, "--latency") if latency else None
        settings.rate_limit = control.parse_rate(rate_limit) if rate_limit else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    settings.error_rate, settings.strict, settings.admin = error_rate, strict, not no_admin
    settings.fixtures = list(fixture_files)
    settings.misbehave = tuple(misbehave)
    try:
        app = create_app(settings)  # fail fast, with a clear message, on a bad spec or fixtures file
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"mockserver: serving {', '.join(settings.specs or ['all bundled specs'])} on http://{host}:{port} (seed {seed})", err=True)
    if workers == 1 and not reload:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
        return
    # Several processes, or restarts: each builds its own app from the same settings (same data).
    os.environ.update(settings.to_env())
    watch = sorted({str(Path(p).resolve().parent) for p in [*(resolve_spec_path(s) for s in settings.specs or []),
                                                            *bundled_spec_paths(), *settings.fixtures]})
    uvicorn.run("mockserver.app:app_from_env", factory=True, host=host, port=port, workers=None if reload else workers,
                reload=reload, reload_dirs=watch if reload else None,
                reload_includes=["*.yaml", "*.yml", "*.json"] if reload else None,
                log_level=log_level, access_log=False)


@main.command()
@click.option("--spec", multiple=True, metavar="FILE|NAME")
def routes(spec) -> None:
    """List the operations served, and the admin endpoints."""
    for s in load_specs(list(spec) or None):
        for op in s.operations:
            click.echo(f"{op.method.upper():6} {op.path:58} {s.name}:{op.operation_id} [{op.dialect_name}]")
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
        if clear:
            httpx.delete(f"{url.rstrip('/')}/__mock/requests", timeout=10)
    except httpx.HTTPError as exc:
        click.echo(f"mockserver verify: cannot read the journal at {url}: {exc}", err=True)
        sys.exit(2)
    report = build_report(load_specs(list(spec) or None), response.json())
    click.echo(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() if as_json else report.as_text())
    sys.exit(0 if report.ok else 1)
