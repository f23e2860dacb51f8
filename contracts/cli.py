"""`contracts run`: exit 0 when every check holds, 1 when one fails, 2 for a usage error or an API
that cannot be checked (unreachable, no spec served, every request refused) - or a crash of the tool
itself, never green - with a one-line reason.

Everything printed, including a crash's traceback, passes through the run's redactor.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import click

from .runner import DEFAULT_MAX_EXAMPLES, DEFAULT_MAX_REQUESTS, RunOptions, Session, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute))?\s*$")


def parse_rate(text: str | None) -> float | None:
    """`10/s`, `600/m` or `10` -> requests per second."""
    if text is None:
        return None
    m = _RATE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise click.BadParameter(f"expected N/s or N/m, got {text!r}", param_hint="--rate-limit")
    per_second = float(m.group(1))
    return per_second / 60 if (m.group(2) or "s").startswith("m") else per_second


def parse_headers(values: tuple[str, ...]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip():
            raise click.BadParameter(f"expected 'Name: value', got {value.split(':')[0]!r}...", param_hint="--header")
        headers[name.strip()] = content.strip()
    return headers


@click.group()
def main() -> None:
    """Contract checks for discount-code and promotion-usage APIs, from the bundled OpenAPI specs."""


@main.command()
@click.option("--base-url", required=True, metavar="URL", help="The API to check, e.g. http://127.0.0.1:8000.")
@click.option("--spec", "specs", multiple=True, metavar="FILE|NAME",
              help="A bundled spec's short name or a spec file (repeatable). Default: every bundled spec served at URL.")
@click.option("--header", "headers", multiple=True, metavar="'Name: value'", help="Sent with every request (repeatable).")
@click.option("--token-env", metavar="VAR", help="Environment variable holding the API token (default: CONTRACTS_TOKEN, if set).")
@click.option("--max-examples", type=click.IntRange(1, 10_000), default=DEFAULT_MAX_EXAMPLES, show_default=True,
              help="Schemathesis' random examples per operation (positive and negative data together).")
@click.option("--seed", type=int, default=None, help="Repeat a run's generated data (printed at the end of every run).")
@click.option("--rate-limit", metavar="N/s", default=None, help="Cap requests per second (N/s or N/m).")
@click.option("--max-requests", type=click.IntRange(1), default=DEFAULT_MAX_REQUESTS, show_default=True,
              help="Stop (and fail) after this many requests.")
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True, help="Seconds per request.")
@click.option("--allow-writes", is_flag=True, help="Also send unsafe methods (POST, PUT, PATCH, DELETE).")
@click.option("--no-coverage", is_flag=True,
              help="Skip Schemathesis' coverage phase (boundary values for every parameter: most of a run's requests).")
@click.option("--junit", type=click.Path(dir_okay=False), default=None, metavar="PATH", help="Write a JUnit XML report.")
@click.option("--report", type=click.Path(dir_okay=False), default=None, metavar="PATH.md", help="Write a Markdown report.")
@click.option("--strict-readings", is_flag=True,
              help="Exit 1 also when the API takes another reading of a point the vendor page leaves open (a WARN).")
@click.option("--quiet", is_flag=True, help="No progress lines, only the summary.")
def run(base_url, specs, headers, token_env, max_examples, seed, rate_limit, max_requests, timeout, allow_writes,
        no_coverage, junit, report, strict_readings, quiet) -> None:
    """Check an API against its specs: Schemathesis conformance plus paging, sort, filter, fieldset
    and invariant checks driven by the specs' x-mock blocks."""
    options = RunOptions(base_url=base_url, specs=list(specs), headers=parse_headers(headers), token_env=token_env,
                         max_examples=max_examples, seed=seed, rate_limit=parse_rate(rate_limit),
                         max_requests=max_requests, timeout=timeout, allow_writes=allow_writes,
                         coverage=not no_coverage, strict_readings=strict_readings)
    sys.exit(execute(options, junit=junit, report_path=report, quiet=quiet))


def execute(options: RunOptions, junit: str | None = None, report_path: str | None = None, quiet: bool = False) -> int:
    """Run and write every output; returns the exit code. Streams are redacted for the whole run."""
    from . import report

    keep_hypothesis_files_out_of_the_working_directory()
    real_out, real_err = sys.stdout, sys.stderr
    try:
        session = Session(options, progress=None)
    except UsageError as exc:
        click.echo(f"contracts: {exc}", err=True)
        return EXIT_USAGE
    out, err = session.redactor.stream(real_out), session.redactor.stream(real_err)
    session.progress = None if quiet else err
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                session.discover()
                result = session.run()
            except UsageError as exc:
                print(f"contracts: {exc}", file=err)
                return EXIT_USAGE
            except KeyboardInterrupt:
                print("contracts: interrupted", file=err)
                return EXIT_USAGE
            except Exception as exc:  # a crash still never prints the token
                print("".join(traceback.format_exception(exc)), file=err)
                print(f"contracts: internal error: {type(exc).__name__}: {exc}", file=err)
                return EXIT_USAGE
            finally:
                session.close()
            redact = session.redactor
            print(report.summary_text(result, redact), end="", file=out)
            try:
                if report_path:
                    report.write(report_path, report.markdown(result, redact))
                if junit:
                    report.write(junit, report.junit_xml(result, redact))
            except OSError as exc:
                print(f"contracts: cannot write a report: {exc}", file=err)
                return EXIT_USAGE
            if result.exit_code:
                print(f"contracts: {failure_reason(result)}", file=err)
            return EXIT_FAILED if result.exit_code else EXIT_OK
    finally:
        out.flush()
        err.flush()


def failure_reason(result) -> str:
    """One line: the run's own problem, or which checks failed where."""
    if result.problems:
        return result.problems[0]
    failed = [f"{check.name} ({op.label})" for op, check in result.failed_checks]
    if not failed:
        warned = [f"{check.name} ({op.label})" for op, check in result.warned_checks]
        shown = ", ".join(warned[:4]) + (f" and {len(warned) - 4} more" if len(warned) > 4 else "")
        return f"{len(warned)} check(s) took another reading (--strict-readings): {shown}"
    shown = ", ".join(failed[:4]) + (f" and {len(failed) - 4} more" if len(failed) > 4 else "")
    return f"{len(failed)} check(s) failed: {shown}"


def keep_hypothesis_files_out_of_the_working_directory() -> None:
    """Hypothesis caches constants under ./.hypothesis; a command run anywhere should not litter."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    try:
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:  # no Hypothesis, no files (the run will say what is missing)
        return

    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "contracts-hypothesis")
