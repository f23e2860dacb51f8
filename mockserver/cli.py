"""`mockserver serve` and `mockserver routes`."""

from __future__ import annotations

import os
from datetime import datetime

import click

from .app import Settings
from .misbehave import FAULTS
from .spec import load_specs


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
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--log-level", default="warning", show_default=True)
@click.option("--misbehave", multiple=True, type=click.Choice(sorted(FAULTS)), hidden=True,
              help="Deliberate bug, for testing contract checks (repeatable).")
@with_common
def serve(host, port, workers, log_level, misbehave, spec, seed, size, token, now) -> None:
    """Serve every operation of the specs."""
    import uvicorn

    settings = _settings(spec, seed, size, token, now)
    settings.misbehave = tuple(misbehave)
    load_specs(settings.specs)  # fail fast, with a clear message, on a bad spec
    os.environ.update(settings.to_env())
    click.echo(f"mockserver: serving {', '.join(settings.specs or ['all bundled specs'])} on http://{host}:{port} (seed {seed})", err=True)
    uvicorn.run("mockserver.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, loop="auto", http="auto", access_log=False)


@main.command()
@click.option("--spec", multiple=True, metavar="FILE|NAME")
def routes(spec) -> None:
    """List the operations served."""
    for s in load_specs(list(spec) or None):
        for op in s.operations:
            click.echo(f"{op.method.upper():6} {op.path:60} {s.name}:{op.operation_id} [{op.dialect_name}]")
    click.echo(f"{'GET':6} {'/__mock/health':60} mock admin")
