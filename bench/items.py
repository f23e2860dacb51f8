"""`python -m bench.items`: microseconds per generated item, for every collection recipe.

    python -m bench.items [--items 20000] [--rounds 3] [--only NAME] [--against DIR] [--json]

Each recipe of the bundled specs (`create_app(seed=0).state.world.recipes`) generates `--items`
items per round through `World._generate` (no item cache in the way), in-process, timed with
`time.perf_counter`; the figure is the median of the rounds. Every round uses item indexes no
earlier round used, so the caches that items share (entities, pools, the collections a code's
expressions ask about) are as warm as in a server, but no cache answers for the item itself.
Key parameters are `P-<name>`.

`--against DIR` measures the mockserver package found in DIR (a checkout of another commit, e.g.
`git archive BASE | tar -x -C DIR`) and this one alternately, a round each in a fresh process, so
the ratios compare figures of the same minute (the machine is noisy). Kept out of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _world(code: str | None):
    if code:
        sys.path.insert(0, code)
    from mockserver import create_app  # noqa: PLC0415 - after --code has chosen which package

    return create_app(seed=0).state.world


def measure(world, only: str | None, items: int, rounds: int, first_round: int = 0) -> dict[str, list[float]]:
    """Microseconds per item of each recipe, one figure per round."""
    out: dict[str, list[float]] = {}
    for recipe in sorted(world.recipes.values(), key=lambda r: r.id):
        if only and only not in recipe.id:
            continue
        params = {name: f"P-{name}" for name in recipe.key_params}
        key, params_items = recipe.key_of(params), tuple(sorted(params.items()))
        size = (first_round + rounds) * items
        generate = world._generate
        figures = []
        for r in range(first_round, first_round + rounds):
            start = time.perf_counter()
            for i in range(r * items, (r + 1) * items):
                generate(recipe, key, params_items, size, i)
            figures.append((time.perf_counter() - start) / items * 1e6)
        out[recipe.id] = figures
    return out


def _child(code: str | None, only: str | None, items: int, round_no: int) -> dict[str, list[float]]:
    cmd = [sys.executable, "-m", "bench.items", "--items", str(items), "--rounds", "1", "--first-round",
           str(round_no), "--json"]
    if code:
        cmd += ["--code", code]
    if only:
        cmd += ["--only", only]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": code or str(ROOT)})
    return json.loads(done.stdout)["us_per_item"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first-round", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--only", help="recipes whose id contains this")
    parser.add_argument("--code", help="import mockserver from this directory")
    parser.add_argument("--against", help="compare with the mockserver package in this directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if args.against:
        base: dict[str, list[float]] = {}
        here: dict[str, list[float]] = {}
        for r in range(args.rounds):  # alternate, so both see the same minute of a noisy machine
            for into, code in ((base, args.against), (here, None)):
                for rid, figs in _child(code, args.only, args.items, r).items():
                    into.setdefault(rid, []).extend(figs)
        rows = []
        for rid in sorted(here):
            b, h = statistics.median(base[rid]), statistics.median(here[rid])
            rows.append((rid, b, h, b / h))
        print(f"{'recipe':58} {'base us':>9} {'now us':>9} {'speed-up':>9}")
        for rid, b, h, ratio in rows:
            print(f"{rid:58} {b:9.1f} {h:9.1f} {ratio:8.2f}x")
        return 0

    world = _world(args.code)
    figures = measure(world, args.only, args.items, args.rounds, args.first_round)
    if args.json:
        print(json.dumps({"us_per_item": figures}))
        return 0
    print(f"{'recipe':58} {'us/item':>9}  rounds")
    for rid, figs in figures.items():
        print(f"{rid:58} {statistics.median(figs):9.1f}  {' '.join(f'{f:.1f}' for f in figs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
