"""pytest fixtures for testing API clients against the mock (registered via the `pytest11` entry point).

    def test_sync_job(mock_api):                    # in-process, no port
        r = mock_api.get("/v1/discount-codes")

    def test_node_client(mock_server):              # a real server on a free port
        subprocess.run(["node", "sync.js", mock_server.url])

Options come from the `mock_options` fixture (override it in your conftest) or from
`@pytest.mark.mock(seed=..., size=..., token=..., specs=[...], scripts=[...])` on a test.
"""

from __future__ import annotations

import socket
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Iterator

import httpx
import pytest

from . import scripts
from .app import Settings, create_app
from .options import OptionError, settings_from

DEFAULT_TOKEN = "test-token"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mock(**options): options for the mock_api / mock_server fixtures")


@pytest.fixture
def mock_options() -> dict:
    """Override to change every mock in a module or package: seed, size, token, specs, now."""
    return {}


def _options(node, base: dict) -> dict:
    options = dict(base)
    marker = node.get_closest_marker("mock")
    if marker:
        if marker.args:
            raise OptionError(f"takes keyword options only, e.g. @pytest.mark.mock(seed=3), not {marker.args!r}")
        options.update(marker.kwargs)
    return options


def _checked(options: dict) -> Settings:
    """`settings_from`, with fault-script rules (`scripts=[...]` or a file) checked too."""
    settings = settings_from(options)
    try:
        settings.scripts = scripts.options(settings.scripts)
    except scripts.ScriptError as exc:
        raise OptionError(f"scripts: {exc}") from None
    return settings


def _settings(request: pytest.FixtureRequest, base: dict) -> Settings:
    """Settings for this test; a bad option stops the run with one line naming it (exit 2)."""
    try:
        return _checked(_options(request.node, base))
    except (OptionError, ValueError) as exc:
        pytest.exit(f"mock options of {request.node.nodeid}: {exc}", returncode=2)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Check every `mock` marker before any test runs, so a typo fails fast (one line, exit 2)."""
    for item in items:
        if item.get_closest_marker("mock") is None:
            continue
        try:
            _checked(_options(item, {}))
        except (OptionError, ValueError) as exc:
            pytest.exit(f"@pytest.mark.mock on {item.nodeid}: {exc}", returncode=2)


@pytest.fixture
def mock_api(request: pytest.FixtureRequest, mock_options: dict) -> Iterator[httpx.Client]:
    """An httpx client wired to the app in-process (no socket), with a valid bearer token."""
    with warnings.catch_warnings():  # Starlette 1.x warns about httpx at import; it still works
        warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient")
        from starlette.testclient import TestClient

    settings = _settings(request, mock_options)
    token = settings.token or DEFAULT_TOKEN
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        client.event_hooks["response"].append(scripts.raise_on_short_body)  # a scripted cut body fails as over TCP
        yield client


@dataclass
class RunningMock:
    url: str
    token: str
    settings: Settings

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """uvicorn in a daemon thread, for clients that need a real TCP port."""

    def __init__(self, settings: Settings | None = None, host: str = "127.0.0.1", port: int | None = None, app=None):
        """The mock built from `settings`, or any other ASGI `app` (a test's own implementation)."""
        import uvicorn

        self.host, self.port = host, port or free_port(host)
        config = uvicorn.Config(app or create_app(settings), host=self.host, port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + 30  # a loaded CI machine can take long to start a thread
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"mock server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture
def mock_server(request: pytest.FixtureRequest, mock_options: dict) -> Iterator[RunningMock]:
    """A real mock server on a free loopback port; `.url` is its base URL, `.headers` a valid auth header."""
    settings = _settings(request, mock_options)
    with BackgroundServer(settings) as server:
        yield RunningMock(server.url, settings.token or DEFAULT_TOKEN, settings)
