"""`--reload`: rebuild the app in place when a spec or fixtures file changes.

The listening socket never changes hands, so there is no window in which requests hang: until a
rebuild succeeds, the last good app keeps answering. A broken file is reported in one line on
stderr, and the next save is tried again. (uvicorn's own reloader restarts the process; when the
new process crashed on a broken file, the port stayed bound and requests waited forever.)
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable


def _stamp(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class Reloading:
    """An ASGI app that delegates to the latest good build of `build()`."""

    def __init__(self, build: Callable[[], Any], paths: list[Path], interval: float = 0.3):
        self.build, self.paths, self.interval = build, [Path(p) for p in paths], interval
        self.app = build()
        self.error: str | None = None
        self.stamps = self._stamps()
        threading.Thread(target=self._watch, name="mockserver-reload", daemon=True).start()

    def _stamps(self) -> list:
        return [_stamp(p) for p in self.paths]

    def _watch(self) -> None:
        while True:
            time.sleep(self.interval)
            stamps = self._stamps()
            if stamps != self.stamps:
                time.sleep(self.interval)  # let an editor finish writing
                self.stamps = self._stamps()
                self.reload()

    def reload(self) -> bool:
        try:
            app = self.build()
        except Exception as exc:  # a half-saved or broken file: keep serving what worked
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"mockserver: reload failed, still serving the last good version: {self.error}", file=sys.stderr, flush=True)
            return False
        self.app, self.error = app, None
        print("mockserver: reloaded", file=sys.stderr, flush=True)
        return True

    @property
    def state(self):
        return self.app.state

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)
