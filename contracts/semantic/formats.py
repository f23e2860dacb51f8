"""Formats: a report that documents a default format serves it, and both formats hold the same rows.

Driven by `x-mock.format` (the parameter) and the parameter's documented default (TeamUp: "Default
value: csv"). The checks read JSON (`ListTarget` asks for it); here the default is asked for once.
"""

from __future__ import annotations

import csv
import io

from ..results import Recorder
from .target import ListTarget

MEDIA = {"csv": "text/csv", "json": "application/json"}


def check_formats(t: ListTarget, rec: Recorder) -> None:
    param = (t.op.mock.get("format") or {}).get("param")
    if not param or param not in t.op.query_params:
        return
    default = t.op.query_params[param].default
    window = t.window(0, min(t.default_limit, 10))
    with rec.check("format.default") as c:
        query = {k: v for k, v in t.base_params.items() if k != param}
        response = t.client.get(t.path, params={**query, **window})
        media = response.headers.get("content-type", "").split(";")[0].strip()
        c.expect(media == MEDIA.get(default, default), f"without `{param}` the answer is {default}",
                 expected=MEDIA.get(default, default), actual=media or "no content type", response=response)
    if default != "csv":
        return
    with rec.check("format.same-rows") as c:
        page = t.fetch(window)
        response = t.send({**window, param: "csv"})
        rows = list(csv.reader(io.StringIO(response.text))) if response.status_code == 200 else []
        c.expect(len(rows) - 1 == len(page.items), f"`{param}=csv` holds as many rows as `{param}=json` (plus a header row)",
                 expected=f"{len(page.items)} rows and a header", actual=f"{max(len(rows) - 1, 0)} rows", response=response)
