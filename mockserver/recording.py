"""`mockserver proxy --record FILE`: what the upstream answered, as a pins file the mock replays.

    fixtures:
      - operation: getPromotionCodes
        params: {promotionID: P}
        replace: true            # only the recorded items: the mock pages, filters and sorts over them
        records: [...]           # each item once, in the order first seen

Items are keyed by the collection's identity (`x-mock.collection.identity`), so a page seen twice,
or the same item under two sorts, is one record; a later sighting adds the members an earlier
(projected) one lacked. An item without its identity, or one the item schema refuses, cannot be
replayed and is left out (counted in `skipped`). Every write replaces the file atomically (a temp
file in the same directory, then `os.replace`), and nothing here ever touches what the client gets.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

import jsonschema_rs
import orjson
import yaml

from .dotted import dig
from .fixtures import _without_required, load_file
from .spec import Operation

Key = tuple[str, tuple[tuple[str, str], ...]]


def merged(old: Any, new: Any) -> Any:
    """`new` over `old`, object members merged at every depth (a projection adds, never removes)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for name, value in new.items():
            out[name] = merged(old.get(name), value)
        return out
    return new


class Recording:
    def __init__(self, path: str | Path, operations: dict[str, Operation],
                 redact: Callable[[str], str] = lambda text: text):
        """An existing file is merged into, so several sessions add up to one recording."""
        self.path = Path(path)
        self.redact = redact
        self.lock = threading.Lock()
        self.collections: dict[Key, dict[Any, dict]] = {}
        self.skipped = 0
        self._validators: dict[str, Any] = {}
        if self.path.exists() and self.path.stat().st_size:
            for fixture in load_file(self.path):  # a bad file stops the proxy at start (FixtureError)
                op = operations.get(fixture["operation"].split(":")[-1])
                if op is not None:
                    self.add(op, {str(k): str(v) for k, v in (fixture.get("params") or {}).items()}, fixture["records"])

    @staticmethod
    def _key(operation: str, params: dict) -> Key:
        return operation, tuple(sorted((str(k), str(v)) for k, v in params.items()))

    def _fits(self, op: Operation, record: dict) -> bool:
        validator = self._validators.get(op.operation_id)
        if validator is None:
            schema = op.spec.schema(op.mock["collection"]["item"])
            validator = self._validators[op.operation_id] = jsonschema_rs.validator_for(_without_required(schema))
        return validator.is_valid(record)

    def add(self, op: Operation, path_params: dict[str, str], items: list) -> bool:
        """Merge one page's items; True when the recording changed."""
        identity = op.mock["collection"].get("identity")
        key_params = op.mock["collection"].get("key") or []
        params = {name: path_params[name] for name in key_params if name in path_params}
        changed = False
        with self.lock:
            records = self.collections.setdefault(self._key(op.operation_id, params), {})
            for item in items:
                ident = dig(item, identity) if identity else None
                if not isinstance(item, dict) or ident is None or not self._fits(op, item):
                    self.skipped += 1
                    continue
                ident = orjson.dumps(ident)
                new = merged(records.get(ident), item)
                if records.get(ident) != new:
                    records[ident] = new
                    changed = True
        return changed

    def count(self) -> int:
        with self.lock:
            return sum(len(records) for records in self.collections.values())

    def document(self) -> dict:
        with self.lock:
            return {"fixtures": [{"operation": op, "params": dict(params), "replace": True, "records": list(records.values())}
                                 for (op, params), records in self.collections.items() if records]}

    def write(self) -> None:
        """Atomically: a reader (or a crash) sees the old file or the new one, never half of one."""
        document = self.document()
        if self.path.suffix.lower() == ".json":
            text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
        else:
            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            text = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True)
        text = self.redact(text)
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
