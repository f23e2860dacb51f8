"""Three views of one `RunResult`: the terminal summary, a Markdown report and a JUnit XML file.

Each shows the three outcomes: FAIL (a documented or implied claim broken), WARN (another reading
of a point the vendor page leaves open, naming it) and SKIP (with the reason). Findings are listed
once per distinct message with their count. All three pass their final text through the run's
redactor, whatever the findings already did.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Callable

from .results import FAIL, WARN, CheckResult, OperationResult
from .runner import RunResult

Redact = Callable[[str], str]
OUTCOME = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "warned": "WARN", "skipped": "SKIP"}


def _headline(r: RunResult) -> str:
    verdict = "FAILED" if r.exit_code else ("passed with warnings" if r.warned_checks else "passed")
    checks = sum(len(op.checks) for op in r.operations)
    return (f"contracts {verdict}: {r.base_url}, {len(r.specs)} specs, {len(r.operations)} operations, "
            f"{checks} checks, {r.requests} requests ({r.successes} 2xx, {r.throttled} throttled) in {r.seconds:.1f}s, "
            f"seed {r.seed}")


def _token_line(r: RunResult) -> str:
    if r.placeholder_token:
        return "token: placeholder (none given); enough for the mock, and conformance.ignored_auth was skipped"
    return f"token: from {r.token_origin} (shown as ***)"


def _counts(op: OperationResult) -> tuple[int, int, int, int, int]:
    statuses = [c.status for c in op.checks.values()]
    return (len(op.checks), sum(c.assertions for c in op.checks.values()),
            sum(s in ("failed", "error") for s in statuses), sum(bool(c.warnings) for c in op.checks.values()),
            statuses.count("skipped"))


def _skips(r: RunResult) -> dict[str, list[str]]:
    """{check: reason} -> operations, so one reason is printed once."""
    skipped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for op in r.operations:
        for check in op.checks.values():
            if check.status == "skipped":
                skipped[(check.name, check.skipped)].append(op.label)
    return skipped


def summary_text(r: RunResult, redact: Redact) -> str:
    lines = [_headline(r), _token_line(r)]
    if r.absent_specs:
        lines.append(f"not served at this base URL: {', '.join(r.absent_specs)}")
    lines.append("")
    width = max([len(op.label) for op in r.operations] + [9])
    lines.append(f"{'OPERATION':<{width}}  {'CHECKS':>6}  {'ASSERTIONS':>10}  {'FAILED':>6}  {'WARNED':>6}  "
                 f"{'SKIPPED':>7}  {'REQUESTS':>8}")
    for op in r.operations:
        checks, assertions, failed, warned, skipped = _counts(op)
        lines.append(f"{op.label:<{width}}  {checks:>6}  {assertions:>10}  {failed:>6}  {warned:>6}  {skipped:>7}  "
                     f"{op.requests:>8}")
    for (name, reason), ops in _skips(r).items():
        lines.append(f"SKIP {name} on {len(ops)} operation(s): {reason}")
    failures, warnings = r.failed_checks, r.warned_checks
    readings = readings_taken(r)
    if readings:
        lines += ["", f"READINGS THIS API TOOK ({len(readings)}; each a WARN below, exit 1 with --strict-readings)"]
        lines += [f"- {text}  [{', '.join(sorted(where))}]" for text, where in readings.items()]
    if warnings:
        lines += ["", "WARNINGS (another reading of a point the vendor page leaves open)"]
        for op in r.operations:
            if op.warned:
                lines += finding_lines(op, op.warned, WARN)
    if failures:
        lines += ["", "FAILURES"]
        for op in r.operations:
            if op.failed:
                lines += failure_lines(op, op.failed)
    for label, claims in r.undeclared.items():
        lines.append(f"UNDECLARED (graded as readings; declare them in x-contract): {label}: {', '.join(claims)}")
    for problem in r.problems:
        lines.append(f"RUN PROBLEM: {problem}")
    lines.append("")
    lines.append(f"{'FAILED' if r.exit_code else 'OK'}: {len(failures)} failed checks, {len(warnings)} warned checks" +
                 (f", {len(r.problems)} run problems" if r.problems else ""))
    return redact("\n".join(lines) + "\n")


def readings_taken(r: RunResult) -> dict[str, set[str]]:
    """One line per reading the API took, with the operations and checks that met it: one cause,
    however many checks and operations it shows in."""
    taken: dict[str, set[str]] = {}
    for op in r.operations:
        for check in op.checks.values():
            for finding in check.warning:
                if finding.reading:
                    taken.setdefault(finding.reading, set()).add(f"{op.operation_id} {check.name}")
    return taken


DETAIL_LINES = 14  # of a finding's detail (a schema error, a traceback) in the terminal; reports keep all


def failure_lines(op: OperationResult, checks: list[CheckResult], detail_lines: int = DETAIL_LINES) -> list[str]:
    """The operation, then each failed check with its findings (claim, basis, expected, got, curl)."""
    return finding_lines(op, checks, FAIL, detail_lines)


def finding_lines(op: OperationResult, checks: list[CheckResult], kind: str, detail_lines: int = DETAIL_LINES) -> list[str]:
    out = [f"{op.label}  {op.method} {op.path}"]
    for check in checks:
        out += _finding_block(check, "  ", detail_lines, kind)
    return out


def _finding_block(check: CheckResult, indent: str, detail_lines: int, kind: str = FAIL) -> list[str]:
    findings = [f for f in check.findings if f.kind == kind or (kind == FAIL and check.errored)]
    if kind == WARN:
        head = f"WARN {check.warnings} time(s)"
    else:
        head = "error" if check.status == "error" else f"FAIL {check.failures} time(s)"
    out = [f"{indent}{check.name}: {head}"]
    for finding in findings:
        first, *rest = finding.lines()
        out.append(f"{indent}- {first}")
        if finding.detail:
            rest = rest[:-1]
        out += [f"{indent}  {line}" for text in rest for line in text.splitlines()]
        detail = finding.detail.splitlines()
        out += [f"{indent}  {line}" for line in detail[:detail_lines]]
        if len(detail) > detail_lines:
            out.append(f"{indent}  ... ({len(detail) - detail_lines} more lines in the --report file)")
    shown = sum(f.count for f in findings)
    total = check.warnings if kind == WARN else check.failures
    if total > shown:
        out.append(f"{indent}  ... and {total - shown} more of this check")
    return out


def markdown(r: RunResult, redact: Redact) -> str:
    lines = [f"# Contract checks: {r.base_url}", "", f"**{_headline(r)}**", "", _token_line(r), ""]
    if r.absent_specs:
        lines += [f"Not served at this base URL: {', '.join(r.absent_specs)}", ""]
    lines += ["| operation | checks | assertions | failed | warned | skipped | requests |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for op in r.operations:
        checks, assertions, failed, warned, skipped = _counts(op)
        lines.append(f"| `{op.label}` | {checks} | {assertions} | {failed} | {warned} | {skipped} | {op.requests} |")
    lines.append("")
    readings = readings_taken(r)
    if readings:
        lines += ["## Readings this API took", "", "| reading | where |", "|---|---|"]
        lines += [f"| {text} | {', '.join(f'`{w}`' for w in sorted(where))} |" for text, where in readings.items()]
        lines.append("")
    for op in r.operations:
        lines += [f"## {op.label}: `{op.method} {op.path}`", "", "| check | outcome | assertions | failures | warnings |",
                  "|---|---|---:|---:|---:|"]
        for check in op.checks.values():
            note = f" ({check.skipped})" if check.status == "skipped" else ""
            lines.append(f"| `{check.name}` | {OUTCOME[check.status]}{note} | {check.assertions} | {check.failures} | "
                         f"{check.warnings} |")
        lines.append("")
        notes = [(check.name, note) for check in op.checks.values() for note in check.notes]
        if notes:  # what a check learnt on the way (which list forms the API reads, a bounded walk)
            lines += [f"- `{name}`: {note}" for name, note in notes] + [""]
        for check in [c for c in op.checks.values() if c.findings]:
            lines += [f"### `{check.name}` ({OUTCOME[check.status]})", ""]
            for finding in check.findings:
                count = f" ({finding.count} times)" if finding.count > 1 else ""
                lines.append(f"- **{finding.kind.upper()}** {finding.claim}{count}")
                if finding.basis:
                    lines.append(f"  - basis: {finding.basis}")
                if finding.expected:
                    lines.append(f"  - expected: `{finding.expected}`")
                if finding.actual:
                    lines.append(f"  - got: `{finding.actual}`")
                if finding.curl:
                    lines += ["", "  ```sh", f"  {finding.curl}", "  ```"]
                if finding.detail:
                    lines += ["", "  ```", *[f"  {line}" for line in finding.detail.splitlines()], "  ```"]
            lines.append("")
    if r.problems:
        lines += ["## Run problems", ""] + [f"- {p}" for p in r.problems] + [""]
    return redact("\n".join(lines) + "\n")


_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(r: RunResult, redact: Redact) -> str:
    """JUnit XML; characters XML cannot hold (a fuzzed query's control bytes) become `?`."""
    plain = redact
    redact = lambda text: _NOT_XML.sub("?", plain(text))  # noqa: E731
    suites = ET.Element("testsuites", name="contracts", time=f"{r.seconds:.3f}")
    totals = defaultdict(int)
    for op in r.operations:
        suite = ET.SubElement(suites, "testsuite", name=op.label, time=f"{op.seconds:.3f}")
        counts = defaultdict(int)
        for check in op.checks.values():
            case = ET.SubElement(suite, "testcase", classname=f"contracts.{op.spec}.{op.operation_id}", name=check.name)
            counts["tests"] += 1
            if check.status in ("failed", "error") or (check.status == "warned" and r.strict_readings):
                tag = "error" if check.status == "error" else "failure"
                counts["errors" if tag == "error" else "failures"] += 1
                shown = check.failing or check.findings
                element = ET.SubElement(case, tag, message=redact(shown[0].claim if shown else check.name),
                                        type=check.name)
                element.text = redact("\n\n".join("\n".join(f.lines()) for f in check.findings))
            elif check.status == "warned":  # JUnit has no warning: a passing case that says so
                props = ET.SubElement(case, "properties")
                ET.SubElement(props, "property", name="outcome", value="warn")
                ET.SubElement(case, "system-out").text = redact(
                    "\n\n".join("WARN " + "\n".join(f.lines()) for f in check.warning))
            elif check.status == "skipped":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=redact(check.skipped))
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
            totals[key] += counts[key]
    if r.problems:
        suite = ET.SubElement(suites, "testsuite", name="run", tests="1", failures="1", errors="0", skipped="0")
        case = ET.SubElement(suite, "testcase", classname="contracts.run", name="run")
        ET.SubElement(case, "failure", message=redact(r.problems[0]), type="run").text = redact("\n".join(r.problems))
        totals["tests"] += 1
        totals["failures"] += 1
    for key in ("tests", "failures", "errors", "skipped"):
        suites.set(key, str(totals[key]))
    ET.indent(suites)
    return redact(ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")


def write(path: str | Path, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
