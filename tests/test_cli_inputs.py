"""Input errors, `--reload` and the access log, through real processes (issue 13, items 3, 4, 6).

Every CLI and plugin input error is one line on stderr naming the input and the fix, exit 2, no
traceback; `--reload` with a broken file keeps answering; the access log never shows a token.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.options import OptionError, settings_from

from mockserver.pytest_plugin import free_port
from mockserver.spec import bundled_spec_paths

PY = sys.executable
SECRET = "s3cr3t-token-value"


def mockserver(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "mockserver", *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_usage_error(result: subprocess.CompletedProcess, *words: str) -> str:
    err = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)
    return err


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    (d / "broken.yaml").write_text("openapi: 3.1.0\npaths:\n  /x: [\n")
    (d / "not-openapi.yaml").write_text("name: hello\nitems: [1, 2]\n")
    (d / "nothing.yaml").write_text('openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n')
    (d / "bad-pins.yaml").write_text("fixtures: [\n")
    (d / "wrong-op.yaml").write_text("fixtures: [{operation: nope, records: [{}]}]\n")
    return d


@pytest.mark.parametrize("args,words", [
    (["serve", "--now", "yesterday"], ["--now", "yesterday", "RFC 3339", "2026-01-01T00:00:00Z"]),
    (["serve", "--rate-limit", "2/x"], ["--rate-limit", "10/s"]),
    (["serve", "--latency", "fast"], ["--latency", "20..200"]),
    (["serve", "--cors", "localhost"], ["--cors", "http://localhost:3000"]),
    (["serve", "--cors", "*", "--no-cors"], ["--cors", "--no-cors"]),
    (["serve", "--log-level", "loud"], ["--log-level", "info"]),
    (["serve", "--spec", "nope"], ["nope", "teamup"]),
    (["serve", "--spec", "{d}/broken.yaml"], ["broken.yaml", "not valid YAML", "line 4"]),
    (["serve", "--spec", "{d}/not-openapi.yaml"], ["not-openapi.yaml", "not an OpenAPI", "openapi: 3"]),
    (["serve", "--spec", "{d}/nothing.yaml"], ["nothing.yaml", "x-mock", "nothing to serve"]),
    (["serve", "--fixtures", "{d}/bad-pins.yaml"], ["bad-pins.yaml", "not valid YAML", "line 2"]),
    (["serve", "--fixtures", "{d}/wrong-op.yaml"], ["wrong-op.yaml", "unknown operation 'nope'", "getPromotionCodes"]),
    (["serve", "--fixtures", "{d}/missing.yaml"], ["--fixtures", "does not exist"]),
    (["routes", "--spec", "{d}/broken.yaml"], ["broken.yaml", "not valid YAML"]),
    (["serve", "--bogus"], ["--bogus"]),
    (["serve", "--loop", "tokio"], ["--loop", "asyncio", "uvloop"]),
])
def test_cli_input_errors_are_one_line_exit_2(files, args, words):
    """In-process (CliRunner), for speed; the subprocess test below shows the same on a real run."""
    result = CliRunner().invoke(main, [a.format(d=files) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    err = result.stderr.strip()
    assert result.exit_code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


def test_a_real_run_prints_one_line_and_exits_2(files):
    assert_one_line_usage_error(mockserver("serve", "--spec", str(files / "broken.yaml")), "broken.yaml", "line 4")
    assert_one_line_usage_error(mockserver("serve", "--now", "yesterday"), "--now")


# ---------------------------------------------------------------------------------- the plugin

PLUGIN_TEST = """
import pytest

@pytest.mark.mock({options})
def test_it(mock_api):
    assert mock_api.get("/v1/discount-codes?limit=1").status_code == 200
"""


def start_pytest(where: Path, options: list[str]) -> subprocess.Popen:
    where.mkdir(parents=True, exist_ok=True)
    (where / "test_client.py").write_text("".join(PLUGIN_TEST.format(options=o).replace("test_it", f"test_{i}")
                                                  for i, o in enumerate(options)))
    return subprocess.Popen([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(where)], cwd=where,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


GOOD = ['rate_limit="2/s"', "rate_limit=50", 'latency="1..2"', "latency=(0, 0.001)", 'now="2025-06-01T00:00:00Z"',
        'cors="http://localhost:3000"']
BAD = [
    ("rate_limt=2", ["rate_limt", "unknown option", "rate_limit"]),
    ('rate_limit="2/x"', ["rate_limit", "10/s"]),
    ("seed='x'", ["seed", "integer"]),
    ('now="yesterday"', ["now", "RFC 3339"]),
    ("latency=(5, 1)", ["latency", "low_s"]),
    ('fixtures=["missing.yaml"]', ["fixtures", "missing.yaml"]),
    ("error_rate=2", ["error_rate", "between 0 and 1"]),
]


@pytest.mark.parametrize("options,words", BAD)
def test_plugin_option_errors_name_the_option_and_the_fix(options, words):
    with pytest.raises(OptionError) as caught:
        settings_from(eval(f"dict({options})"))
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_plugin_accepts_the_cli_forms_and_stops_on_a_bad_marker_in_one_line(tmp_path):
    """Real pytest runs (both started at once): the forms the CLI takes work in markers, and a bad
    marker stops the run before any test, in one line, exit 2."""
    good = start_pytest(tmp_path / "good", GOOD)
    bad = start_pytest(tmp_path / "bad", ['rate_limit="2/s"', "rate_limt=2"])
    out = good.communicate(timeout=120)[0]
    assert good.returncode == 0 and f"{len(GOOD)} passed" in out, out
    out = bad.communicate(timeout=120)[0]
    assert bad.returncode == 2 and "Traceback" not in out and "passed" not in out, out
    line = next(line for line in out.splitlines() if "@pytest.mark.mock" in line)
    assert "test_1" in line and "rate_limt" in line and "known:" in line and "rate_limit" in line, line


# ---------------------------------------------------------------------------- a real server

class Server:
    def __init__(self, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([PY, "-m", "mockserver", "serve", "--port", str(self.port), *args],
                                        stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []  # stderr so far, read by a thread (a loaded machine: wait for lines, not time)
        self.reader = threading.Thread(target=lambda: self.lines.extend(iter(self.process.stderr.readline, "")),
                                       daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/__mock/health", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(self.stop())
                time.sleep(0.05)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5, **kwargs)

    def said(self, words: str) -> bool:
        return any(words in line for line in list(self.lines))

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        return "".join(self.lines)


PIN = "fixtures:\n  - operation: getPromotionCodes\n    params: {{promotionID: P}}\n    records:\n      - data: {{codes: [{{code: {code}, max_uses: 5000}}]}}\n"
CODES = "/v2/promotions/P/codes?page%5Blimit%5D=100"


def wait_for(predicate, seconds: float = 8) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_reload_keeps_serving_through_a_broken_fixtures_file(tmp_path):
    pins = tmp_path / "pins.yaml"
    pins.write_text(PIN.format(code="FIRST1"))
    server = Server("--reload", "--fixtures", str(pins))
    auth = {"Authorization": "Bearer t"}
    try:
        assert "FIRST1" in server.get(CODES, headers=auth).text
        pins.write_text("fixtures: [\n")
        assert wait_for(lambda: server.said("reload failed"), 20)
        started = time.monotonic()
        response = server.get(CODES, headers=auth)  # a 5 s timeout: never a hang
        assert response.status_code == 200 and "FIRST1" in response.text
        assert time.monotonic() - started < 1
        pins.write_text(PIN.format(code="SECOND2"))
        assert wait_for(lambda: "SECOND2" in server.get(CODES, headers=auth).text)
    finally:
        err = server.stop()
    assert "reload failed, still serving the last good version" in err and "pins.yaml" in err
    assert "reloaded" in err and "Traceback" not in err


def test_reload_keeps_serving_through_a_broken_spec(tmp_path):
    spec = tmp_path / "nuweb.yaml"
    shutil.copy(next(p for p in bundled_spec_paths() if p.stem == "nuweb"), spec)
    server = Server("--reload", "--spec", str(spec))
    auth = {"Authorization": "Bearer t"}
    try:
        assert server.get("/v1/discount-codes?limit=1", headers=auth).status_code == 200
        good = spec.read_text()
        spec.write_text(good[: len(good) // 2] + "\n  broken: [\n")
        assert wait_for(lambda: server.said("reload failed"), 20)
        assert server.get("/v1/discount-codes?limit=1", headers=auth).status_code == 200
        spec.write_text(good + "\n")
        assert wait_for(lambda: server.said("reloaded"), 20)
        assert server.get("/v1/discount-codes?limit=1", headers=auth).status_code == 200
    finally:
        err = server.stop()
    assert "reload failed" in err and "nuweb.yaml" in err and "Traceback" not in err
    assert err.index("reload failed") < err.index("reloaded")


def test_access_log_is_on_at_info_and_redacts_the_token():
    server = Server("--log-level", "info")
    try:
        server.get("/v1/discount-codes?limit=2", headers={"Authorization": f"Bearer {SECRET}"})
    finally:
        err = server.stop()
    line = next(line for line in err.splitlines() if "/v1/discount-codes?limit=2" in line)
    assert '"GET /v1/discount-codes?limit=2 HTTP/1.1" 200' in line and "auth=Bearer ***" in line
    assert SECRET not in err


def test_access_log_is_off_by_default_and_on_with_the_flag():
    quiet = Server()
    try:
        quiet.get("/v1/discount-codes?limit=2", headers={"Authorization": f"Token {SECRET}"})
    finally:
        assert "/v1/discount-codes" not in quiet.stop()
    loud = Server("--access-log")
    try:
        loud.get("/v1/discount-codes?limit=2", headers={"Authorization": f"Token {SECRET}"})
    finally:
        err = loud.stop()
    assert "auth=Token ***" in err and SECRET not in err


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_both_event_loops_serve(loop):
    """`--loop` (README: Benchmarks): asyncio's loop by default for its tail latency, uvloop on request."""
    server = Server("--loop", loop)
    try:
        assert server.get("/v1/discount-codes?limit=2", headers={"Authorization": "Bearer t"}).status_code == 200
    finally:
        server.stop()
