"""Several specs at once (issue 9, item 6): a static path segment wins over a parameter whatever
the spec order, and `--mount SPEC=PREFIX` serves a spec under a path prefix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver.app import Settings, create_app
from mockserver.cli import main
from mockserver.routing import routing_order

CT = "specs/commercetools-discount-codes.yaml"
AUTH = {"Authorization": "Bearer t"}
ROOT = Path(__file__).resolve().parent.parent


def is_nuweb(body: dict) -> bool:
    return {"data", "meta", "links"} <= set(body) and body["data"][0]["type"] == "discountCodes"


def is_commercetools(body: dict) -> bool:
    return {"limit", "offset", "count", "total", "results"} == set(body)


@pytest.mark.parametrize("order", [[CT, "nuweb"], ["nuweb", CT]], ids=["commercetools-first", "nuweb-first"])
def test_a_static_segment_wins_over_a_parameter_in_any_spec_order(order):
    with TestClient(create_app(Settings(specs=order)), headers=AUTH) as client:
        nuweb = client.get("/v1/discount-codes", params={"limit": 2})
        commercetools = client.get("/myproj/discount-codes", params={"limit": 2})
    assert nuweb.status_code == 200 and is_nuweb(nuweb.json()), nuweb.text[:300]
    assert commercetools.status_code == 200 and is_commercetools(commercetools.json()), commercetools.text[:300]


def test_routing_order_puts_static_before_mixed_before_parameter_at_each_position():
    paths = ["/{a}/{b}", "/{a}/discount-codes", "/v{n}/discount-codes", "/v1/{b}", "/v1/discount-codes", "/pets/{id}", "/pets"]
    ordered = [r.path for r in routing_order([Route(p, lambda request: None) for p in paths])]
    assert ordered.index("/v1/discount-codes") < ordered.index("/v1/{b}") < ordered.index("/v{n}/discount-codes") \
        < ordered.index("/{a}/discount-codes") < ordered.index("/{a}/{b}")
    assert ordered.index("/pets/{id}") < ordered.index("/{a}/{b}")


def test_a_mounted_spec_serves_under_its_prefix_only():
    with TestClient(create_app(Settings(specs=["nuweb"], mounts={CT: "/ct"})), headers=AUTH) as client:
        mounted = client.get("/ct/myproj/discount-codes", params={"limit": 2})
        unmounted = client.get("/myproj/discount-codes")
        nuweb = client.get("/v1/discount-codes", params={"limit": 1})
    assert mounted.status_code == 200 and is_commercetools(mounted.json())
    assert unmounted.status_code == 404 and nuweb.status_code == 200 and is_nuweb(nuweb.json())


def test_the_links_of_a_mounted_spec_stay_under_its_prefix():
    with TestClient(create_app(Settings(specs=["nuweb"], mounts={"nuweb": "/nw/"})), headers=AUTH) as client:
        first = client.get("/nw/v1/discount-codes", params={"limit": 2})
        following = client.get(first.json()["links"]["next"])
        assert client.get("/v1/discount-codes").status_code == 404
    assert first.status_code == 200 and first.json()["links"]["next"].startswith("http://testserver/nw/v1/")
    assert following.status_code == 200 and following.json()["data"] != first.json()["data"]


@pytest.mark.mock(specs=["tests/specs/petstore.yaml"], mounts={CT: "/ct"})
def test_the_pytest_marker_mounts_too(mock_api):
    assert is_commercetools(mock_api.get("/ct/p/discount-codes").json())
    assert mock_api.get("/pets").status_code == 200


def test_routes_shows_the_mounted_paths():
    result = CliRunner().invoke(main, ["routes", "--spec", "nuweb", "--mount", f"{CT}=/ct"])
    assert result.exit_code == 0, result.output
    assert any(line.split()[:2] == ["GET", "/ct/{projectKey}/discount-codes"] for line in result.output.splitlines())
    assert any(line.split()[:2] == ["GET", "/v1/discount-codes"] for line in result.output.splitlines())


@pytest.mark.parametrize("value, says", [
    ("nuweb", "is not SPEC=PREFIX"),
    ("no-such-spec=/x", "no spec file or bundled spec named 'no-such-spec'"),
    ("nuweb=ct", "must start with '/'"),
    ("nuweb=/__mock", "admin path"),
])
def test_a_bad_mount_is_one_line_and_exit_2(value, says):
    result = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--mount", value], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "--mount" in result.stderr
