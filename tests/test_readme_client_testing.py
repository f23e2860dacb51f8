"""The README's client-testing examples (issue 12) run as shown: the worlds example and the fault script."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import yaml

from .test_readme import BIN, README, free_port, of, start, stop, wait_healthy

SECTION = README.split("## Testing your client", 1)[1].split("\n## ", 1)[0]


def block(after: str, lang: str) -> str:
    return re.search(rf"```{lang}\n(.*?)```", SECTION.split(after, 1)[1], re.S).group(1)


def test_the_worlds_example_runs_as_is(tmp_path):
    example = block("### Generated worlds", "python")
    (tmp_path / "test_client_properties.py").write_text(example)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout + result.stderr


def test_the_failure_report_shown_is_the_form_printed():
    shown = block("shrinks the failure", "yaml")
    assert shown.startswith("# replay: mockserver serve --spec elasticpath-promotions --seed 0 --fixtures world.yaml\n")
    fixtures = yaml.safe_load(shown)["fixtures"]
    assert fixtures[0]["replace"] is True and fixtures[0]["records"][0] == {"data": {"codes": [{"code": "MEMBER5"}]}}


def test_the_fault_script_serves_as_the_readme_says(tmp_path):
    (tmp_path / "faults.yaml").write_text(block("### Fault scripts", "yaml"))
    (command,) = of("serve with a script")
    port = free_port()
    argv = [str(BIN / "mockserver"), *command.replace("--port 8000", f"--port {port}").split()[1:]]
    process = start(argv, cwd=tmp_path)
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}
    try:
        wait_healthy(url, process)
        statuses = [httpx.get(f"{url}/v2/promotions/P/codes", headers=auth).status_code for _ in range(3)]
        rules = httpx.get(f"{url}/__mock/scripts").json()["rules"]
        journal = httpx.get(f"{url}/__mock/requests").json()["requests"]
    finally:
        output = stop(process)
    assert statuses == [503, 503, 200], output
    assert len(rules) == 4 and rules[0]["fired"] == 2
    assert [e["rule"] for e in journal] == ["rule 1", "rule 1", None]
    assert "Traceback" not in output
