"""Start and stop the servers under test, each pinned to its own core, and read their memory.

Both servers run as a user runs them (`mockserver serve`, uvicorn inside, one worker unless asked),
so every figure includes uvicorn's HTTP parsing and the event loop, not just the app.
"""

from __future__ import annotations

import http.client
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HEALTH = "/__mock/health"


def stop_servers_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `with` blocks stop the servers this run started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def core_split() -> tuple[list[int], list[int]]:
    """(server cores, load-generator cores): disjoint when the machine has two or more cores."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return [], []
    return cpus[:1], cpus[1:]


def taskset(cores: list[int]) -> list[str]:
    return ["taskset", "-c", ",".join(map(str, cores))] if cores else []


def pin_self(cores: list[int]) -> None:
    """Pin this process (the Python load generator and probes) away from the server's core."""
    if cores:
        os.sched_setaffinity(0, set(cores))


def mock_argv(port: int, seed: int = 0, size: int | None = None, workers: int = 1, loop: str | None = None) -> list[str]:
    script = BIN / "mockserver"
    # BENCH_PYTHON_M=1: `python -m mockserver` from this checkout (a copy of the tree measures itself,
    # not the package the venv's script imports)
    use_script = script.exists() and not os.environ.get("BENCH_PYTHON_M")
    argv = [str(script)] if use_script else [sys.executable, "-m", "mockserver"]
    argv += ["serve", "--host", HOST, "--port", str(port), "--seed", str(seed)]
    if size is not None:
        argv += ["--size", str(size)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    if loop:
        argv += ["--loop", loop]
    return argv


def baseline_argv(port: int, bodies_file: str, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "bench.baseline_app", "--host", HOST, "--port", str(port),
            "--bodies", bodies_file, "--workers", str(workers)]


def floor_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.floor_app", "--host", HOST, "--port", str(port)]


class Server:
    """One server process: started, waited for, measured, stopped. Use as a context manager."""

    def __init__(self, name: str, argv: list[str], port: int, cores: list[int] | None = None):
        self.name, self.argv, self.port, self.cores = name, argv, port, cores or []
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        self.startup_seconds: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> float:
        """Launch and wait for the first 200 on the health path; returns seconds from launch."""
        started = time.perf_counter()
        self.proc = subprocess.Popen(taskset(self.cores) + self.argv, cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()}")
            if _status(self.port, HEALTH) == 200:
                self.startup_seconds = time.perf_counter() - started
                return self.startup_seconds
            time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {HEALTH} within {timeout:.0f} s:\n{self.log_text()}")

    def healthy(self, timeout: float = 2.0) -> bool:
        return self.alive() and _status(self.port, HEALTH, timeout) == 200

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self) -> int:
        """VmRSS of the server and every process under it (uvicorn workers), in KiB."""
        if not self.alive():
            return 0
        return sum(_vmrss(pid) for pid in _tree(self.proc.pid))

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and every process under it."""
        return sum(_cpu_ticks(pid) for pid in _tree(self.proc.pid)) / CLOCK_TICKS if self.alive() else 0.0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        Path(self.log.name).unlink(missing_ok=True)


def _status(port: int, path: str, timeout: float = 1.0) -> int | None:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return pids


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0


def core_busy_seconds(cores: list[int]) -> float:
    """CPU time spent busy (anything but idle and iowait) on these cores since boot."""
    total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name = line.split(" ", 1)[0]
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cores:
            values = [int(v) for v in line.split()[1:]]
            total += sum(values) - values[3] - values[4]
    return total / CLOCK_TICKS


class Interference:
    """How much CPU other processes took on our cores during a run (a fraction of the run).

    The machine may be shared (another test run can start at any time); a figure taken while
    something else ran on the server's or the load generator's core is not the server's figure.
    Measured, not guessed: busy time of the server's cores minus the server's own CPU time, and of
    the load cores minus this process's and its children's (wrk's) CPU time; the worse of the two.
    """

    def __init__(self, server: "Server", server_cores: list[int], load_cores: list[int] | None = None):
        self.server, self.server_cores, self.load_cores = server, server_cores, load_cores or []
        self.fraction = 0.0
        self.server_cpu_seconds = 0.0

    def _snapshot(self) -> tuple:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return (time.perf_counter(), core_busy_seconds(self.server_cores), self.server.cpu_seconds(),
                core_busy_seconds(self.load_cores), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime)

    def __enter__(self) -> "Interference":
        self.start = self._snapshot()
        return self

    def __exit__(self, *exc) -> None:
        end = self._snapshot()
        elapsed, server_busy, server_own, load_busy, load_own = (b - a for a, b in zip(self.start, end))
        if elapsed <= 0 or not self.server_cores:
            return
        on_server = max(0.0, server_busy - server_own) / (elapsed * len(self.server_cores))
        on_load = max(0.0, load_busy - load_own) / (elapsed * len(self.load_cores)) if self.load_cores else 0.0
        self.fraction = max(on_server, on_load)
        self.server_cpu_seconds = server_own


def wait_for_quiet(cores: list[int], threshold: float = 0.10, max_wait: float = 15.0, window: float = 0.5) -> float:
    """Wait (at most `max_wait` s) until other processes use under `threshold` of these cores.

    Call it between runs, when our own servers are idle, so any busy time is somebody else's.
    Returns the busy fraction last seen.
    """
    deadline = time.perf_counter() + max_wait
    while True:
        before = core_busy_seconds(cores)
        time.sleep(window)
        busy = (core_busy_seconds(cores) - before) / (window * max(len(cores), 1))
        if busy < threshold or time.perf_counter() >= deadline:
            return busy


def _vmrss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def mock_server(cores: list[int] | None = None, **mock_kwargs) -> Server:
    port = free_port()
    return Server("mock", mock_argv(port, **mock_kwargs), port, cores)


def baseline_server(bodies_file: str, cores: list[int] | None = None, workers: int = 1) -> Server:
    port = free_port()
    return Server("baseline", baseline_argv(port, bodies_file, workers), port, cores)


def floor_server(cores: list[int] | None = None) -> Server:
    port = free_port()
    return Server("floor", floor_argv(port), port, cores)


def measure_startup(runs: int = 3, cores: list[int] | None = None, **mock_kwargs) -> list[float]:
    """Seconds from launching `mockserver serve` to its first 200 on the health path, per run."""
    times = []
    for _ in range(runs):
        wait_for_quiet(sorted(os.sched_getaffinity(0) | set(cores or [])))
        with mock_server(cores, **mock_kwargs) as server:
            times.append(server.startup_seconds)
    return times
