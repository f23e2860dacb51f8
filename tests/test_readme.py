"""The README cannot drift: every command and curl line in it is run here (issue 13, items 2 and 7).

Commands are read from the README itself: the lines of its ```sh blocks, the `mockserver` lines of
its plain blocks, and inline `make`/`mockserver`/`curl`/`python -m`/`pytest` spans. Each must match
a rule below that runs it (against a server started here, on a free port) or a rule that says why
it is not run; a command that matches none fails the test, so a new README line needs a decision.
The "Contract checks" section belongs to the contract checks (issue 8) and its own tests; "Pointing at staging"
to the proxy (issue 11), whose tests run its commands.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from mockserver.app import Settings
from mockserver.pytest_plugin import BackgroundServer, free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
OWNED_ELSEWHERE = ("Contract checks", "Pointing at staging")  # the latter: tests/test_proxy.py runs its commands
COMMAND = re.compile(r"^(make|mockserver|curl|python -m|pytest|apt-get|OPS_TOKEN=|contracts)\b")


def sections() -> list[tuple[str, str]]:
    parts = re.split(r"^## (.+)$", README, flags=re.M)
    return [("(top)", parts[0])] + list(zip(parts[1::2], parts[2::2]))


def commands() -> list[tuple[str, str]]:
    """(section, command) for every command the README shows, continuation lines joined."""
    found = []
    for title, text in sections():
        if title in OWNED_ELSEWHERE:
            continue
        for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.M | re.S):
            if lang not in ("sh", ""):
                continue
            body = body.replace("\\\n", " ")
            body = re.sub(r"\n\s+(?=\[)", " ", body)  # a synopsis continues on indented `[...]` lines
            for line in body.splitlines():
                line = re.split(r"\s#\s", line)[0].strip()
                if line and not line.startswith("#") and (lang == "sh" or line.startswith("mockserver ")):
                    found.append((title, re.sub(r"\s+", " ", line)))
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
        for span in re.findall(r"`([^`\n]+)`", prose):
            if COMMAND.match(span) and " " in span:
                found.append((title, span))
    return found


# --------------------------------------------------------------------------------- the rules

SKIP = {
    r"^make test( TEST_WORKERS=\d+| ARGS='[^']*')*$": "this test runs inside `make test`",
    r"^make (bench|soak|fuzz)$": "long-running; tests/test_bench_smoke.py checks the harness",
    r"^python -m bench\.items$": "a minute of measurement; tests/test_bench_smoke.py runs it on 30 items",
    r"^python -m bench\.speed ": "minutes to an hour of measurement; tests/test_bench_smoke.py checks its paths and its floor app",
    r"^apt-get install": "installs a system package",
    r"^mockserver serve: Invalid value": None,  # an output line, checked by test_the_error_example_is_what_the_cli_prints
}
RUN = {
    "curl": r"^curl ",
    "make serve": r"^make serve( (ARGS='[^']*'|PORT=\d+))*$",
    "synopsis": r"^mockserver serve \[",
    "routes": r"^mockserver routes( |$)",
    "check": r"^mockserver check( [\w./-]+)*$",
    "verify": r"^mockserver verify ",
    "serve with pins": r"^mockserver serve --port \d+ --fixtures pins\.yaml$",
    "serve with a script": r"^mockserver serve --port \d+ --script faults\.yaml$",  # run in test_readme_client_testing.py
    "serve with readings": r"^mockserver serve( --reading [a-z0-9-]+)+$",
    "serve a plain spec with a mount": r"^mockserver serve --spec tests/specs/petstore\.yaml --mount ",
    "python -m": r"^python -m mockserver$",
}


def rule_for(command: str) -> str:
    matches = [name for name, pattern in RUN.items() if re.search(pattern, command)]
    matches += [f"skip: {reason}" for pattern, reason in SKIP.items() if re.search(pattern, command)]
    assert len(matches) == 1, f"README command {command!r} matches {matches or 'no rule'}: add one to tests/test_readme.py"
    return matches[0]


def test_every_readme_command_has_a_rule():
    found = commands()
    assert len(found) >= 12, found
    for _, command in found:
        rule_for(command)
    used = {rule_for(c) for _, c in found}
    assert set(RUN) <= used, f"rules for commands no longer in the README: {set(RUN) - used}"


# ------------------------------------------------------------------------------- the runs

@pytest.fixture(scope="module")
def server():
    with BackgroundServer(Settings()) as running:
        yield running


def of(rule: str) -> list[str]:
    return [c for _, c in commands() if rule_for(c) == rule]


def on(server, command: str) -> str:
    return command.replace("http://127.0.0.1:8000", server.url)


def test_the_quick_start_curls_work(server):
    curls = of("curl")
    assert len(curls) == 7
    for command in curls:
        argv = shlex.split(on(server, command))
        result = subprocess.run([argv[0], "-sS", "--fail-with-body", "-w", "\n%{http_code} %{content_type}", *argv[1:]],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, (command, result.stderr, result.stdout[-500:])
        body, _, status = result.stdout.rpartition("\n")
        assert status.startswith("200 "), (command, status)
        if "text/csv" in status:
            assert body.startswith("Customer ID,"), body[:200]
        else:
            page = httpx.Response(200, content=body.encode()).json()
            assert page.get("data") or page.get("results"), (command, "an empty example teaches nothing")


def test_the_serve_synopsis_lists_real_options():
    help_text = subprocess.run([str(BIN / "mockserver"), "serve", "--help"], capture_output=True, text=True).stdout
    offered = set(re.findall(r"--[a-z][a-z-]+", help_text))
    (synopsis,) = of("synopsis")
    listed = set(re.findall(r"--[a-z][a-z-]+", synopsis))
    assert listed <= offered, listed - offered
    undocumented = offered - listed - {"--help", "--misbehave", "--no-access-log", "--reading"}
    assert not undocumented, f"options missing from the README synopsis: {undocumented}"


def test_routes_and_python_m(server):
    for command in of("routes") + of("python -m"):
        argv = shlex.split(command)
        argv = [sys.executable, *argv[1:]] if argv[0] == "python" else [str(BIN / argv[0]), *argv[1:]]
        if argv[-1] == "mockserver":
            argv.append("--help")
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (command, result.stderr)
    out = subprocess.run([str(BIN / "mockserver"), "routes"], capture_output=True, text=True).stdout
    assert "getPromotionCodeUsages" in out and "/__mock/requests" in out


def test_check_runs_as_shown():
    for command in of("check"):
        result = subprocess.run([str(BIN / "mockserver"), *shlex.split(command)[1:]], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and "no problems" in result.stdout, (command, result.stderr)


def test_verify_reads_the_journal(server):
    httpx.get(f"{server.url}/v1/discount-codes?limit=1", headers={"Authorization": "Bearer t"})
    for command in of("verify"):
        command = re.sub(r"\[--url URL\] ?", f"--url {server.url} ", on(server, command))
        argv = [str(BIN / "mockserver"), *[a for a in shlex.split(command)[1:] if a not in ("[--json]",)]]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert result.returncode in (0, 1) and "listDiscountCodes" in result.stdout, (command, result.stdout, result.stderr)


def readme_pins() -> dict:
    pinned = README.split("### Pinned records", 1)[1]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", pinned, re.S).group(1))


def start(argv: list[str], cwd: Path = ROOT) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{url}/__mock/health", timeout=1)
            return
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, stop(process)
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> str:
    """Ends the process group this test started (make and the server it runs)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0]


def test_make_serve_starts_with_the_readme_options():
    runs = []
    for command in of("make serve"):
        port = free_port()
        argv = shlex.split(command)
        argv = [a for a in argv if not a.startswith("PORT=")] + [f"PORT={port}"]
        runs.append((command, f"http://127.0.0.1:{port}", start(argv)))
    assert len(runs) >= 3
    for command, url, process in runs:
        try:
            wait_healthy(url, process)
            response = httpx.get(f"{url}/v1/discount-codes?limit=1", headers={"Authorization": "Bearer t"}, timeout=10)
            assert response.status_code == 200, (command, response.text)
            if "--seed 3" in command:
                assert httpx.get(f"{url}/__mock/health").json()["seed"] == 3
        finally:
            stop(process)


def test_serve_with_the_readme_pins(tmp_path):
    (tmp_path / "pins.yaml").write_text(yaml.safe_dump(readme_pins()))
    (command,) = of("serve with pins")
    port = free_port()
    argv = [str(BIN / "mockserver"), *shlex.split(command.replace("--port 8000", f"--port {port}"))[1:]]
    process = start(argv, cwd=tmp_path)
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}
    try:
        wait_healthy(url, process)
        codes = httpx.get(f"{url}/v2/promotions/P/codes", params={"page[limit]": 100}, headers=auth).json()["data"]
        code = next(c["data"]["codes"][0] for c in codes if c["data"]["codes"][0]["code"] == "10OFF")
        usages = httpx.get(f"{url}/v2/promotions/P/codes/10OFF/usages", headers=auth).json()["data"]
    finally:
        stop(process)
    assert code["uses"] == 6 and len(usages) == 3  # "uses = 10 - 4 = 6", as the README says
    assert code["meta"]["timestamps"]["created_at"] < usages[0]["used_on"]
    assert "`uses` = 10 − 4\n= 6" in README


def test_serve_with_the_readme_readings():
    """"serves Elastic Path usages without `meta`/`links`, clamping page sizes above 100"."""
    (command,) = of("serve with readings")
    port = free_port()
    process = start([str(BIN / "mockserver"), "serve", "--port", str(port), *shlex.split(command)[2:]])
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}
    try:
        wait_healthy(url, process)
        codes = httpx.get(f"{url}/v2/promotions/promo-1/codes", params={"page[limit]": 150}, headers=auth)
        code = codes.json()["data"][0]["data"]["codes"][0]["code"]
        usages = httpx.get(f"{url}/v2/promotions/promo-1/codes/{code}/usages", headers=auth).json()
    finally:
        stop(process)
    assert codes.status_code == 200 and codes.json()["meta"]["page"]["limit"] == 100  # clamped, not refused
    assert set(usages) == {"data"}  # no meta, no links


def test_serve_a_plain_spec_with_a_mount():
    """"serves the petstore at `/pets` and commercetools' discount codes at `/ct/{projectKey}/discount-codes`"."""
    (command,) = of("serve a plain spec with a mount")
    port = free_port()
    process = start([str(BIN / "mockserver"), "serve", "--port", str(port), *shlex.split(command)[2:]])
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}
    try:
        wait_healthy(url, process)
        pets = httpx.get(f"{url}/pets", headers=auth)
        pet = httpx.get(f"{url}/pets/{pets.json()[0]['id']}", headers=auth)
        codes = httpx.get(f"{url}/ct/myproj/discount-codes", headers=auth)
    finally:
        stop(process)
    assert pets.status_code == 200 and 'rel="next"' in pets.headers["link"] and pet.json() == pets.json()[0]
    assert codes.status_code == 200 and codes.json()["results"]


def test_the_python_example_runs_as_is(tmp_path):
    """"runnable as is with `pytest` once this package is installed"."""
    command = "pytest"
    example = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    (tmp_path / "test_sync_job.py").write_text(example)
    result = subprocess.run([sys.executable, "-m", command, "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout + result.stderr


def test_the_error_example_is_what_the_cli_prints():
    shown = next(c for _, c in commands() if c.startswith("mockserver serve: Invalid value"))
    result = subprocess.run([str(BIN / "mockserver"), "serve", "--now", "yesterday"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.strip() == shown


def test_readme_claims_that_are_easy_to_get_wrong():
    """Sentences the issue found untrue; each now says what the tests elsewhere check."""
    assert "Every status the mock can return is in the specs" not in README
    assert "gives every collection exactly N items" not in README
    assert "about a minute" not in README
    assert "Every request is journaled" not in README
    assert "422 on NuWeb" in README
