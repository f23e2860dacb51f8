"""`python -m bench.items`: microseconds per generated item, for every collection recipe.

    python -m bench.items [--items 20000] [--rounds 3] [--only NAME] [--pages] [--against DIR] [--json]

Each recipe of the bundled specs (`create_app(seed=0).state.world.recipes`) generates `--items`
items per round through `World._generate` (no item cache in the way), in-process, timed with
`time.perf_counter`; the figure is the median of the rounds. Every round uses item indexes no
earlier round used, so the caches that items share (entities, pools, the collections a code's
expressions ask about) are as warm as in a server, but no cache answers for the item itself.
Key parameters are `P-<name>`.

`--pages`: what a never-seen collection costs instead. Items come 25 at a time, items 0-24 (a
first page) of a collection no earlier page used: a key of its own where the recipe has key
parameters, else a size of its own (the size is part of a collection's key). Large indexes are
not typical (a code past the 160 word-and-number ones is drawn, six draws more), this mode has none.

`--against DIR` measures the mockserver package found in DIR (a checkout of another commit, e.g.
`git archive BASE mockserver specs | tar -x -C DIR`) and this one alternately in one process (DIR's is
imported under another name), a round of one recipe each in turn, so the ratios compare figures of
the same seconds (the machine is noisy). Kept out of `make test`.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import statistics
import sys
import tempfile
import time


def _world(code: str | None):
    if code:
        sys.path.insert(0, code)
    from mockserver import create_app  # noqa: PLC0415 - after --code has chosen which package

    return create_app(seed=0).state.world


PAGE = 25


def _jobs(recipe, items: int, round_no: int, pages: bool) -> list[tuple]:
    """(key, params_items, size, index) of the items a round generates."""
    if not pages:
        params = {name: f"P-{name}" for name in recipe.key_params}
        key, params_items = recipe.key_of(params), tuple(sorted(params.items()))
        return [(key, params_items, 1_000_000, i) for i in range(round_no * items, (round_no + 1) * items)]
    jobs = []
    for page in range(round_no * items // PAGE, (round_no + 1) * items // PAGE):
        params = {name: f"R{page}-{name}" for name in recipe.key_params}
        key, params_items = recipe.key_of(params), tuple(sorted(params.items()))
        size = 100 if recipe.key_params else 100 + page
        jobs += [(key, params_items, size, i) for i in range(PAGE)]
    return jobs


def measure(world, only: str | None, items: int, rounds: int, first_round: int = 0,
            pages: bool = False) -> dict[str, list[float]]:
    """Microseconds per item of each recipe, one figure per round."""
    out: dict[str, list[float]] = {}
    for recipe in sorted(world.recipes.values(), key=lambda r: r.id):
        if only and only not in recipe.id:
            continue
        generate = world._generate
        warm = {name: f"W-{name}" for name in recipe.key_params}  # pools are filled on first use (Faker)
        for i in range(50):
            generate(recipe, recipe.key_of(warm), tuple(sorted(warm.items())), 99, i)
        figures = []
        for r in range(first_round, first_round + rounds):
            jobs = _jobs(recipe, items, r, pages)
            start = time.perf_counter()
            for key, params_items, size, i in jobs:
                generate(recipe, key, params_items, size, i)
            figures.append((time.perf_counter() - start) / len(jobs) * 1e6)
        out[recipe.id] = figures
    return out


def _settle() -> None:
    """As a serving process does (mockserver/gcpolicy.py): start-up's objects frozen out of the
    collector's way, so full collections do not scan specs, Faker and pools (and two worlds cost
    the collector what one does)."""
    gc.collect()
    gc.freeze()


def _base_world(directory: str):
    """A World of the mockserver package in `directory`, imported as `mockserver_base` (its imports
    are relative), beside this one."""
    link_dir = tempfile.mkdtemp(prefix="bench-items-")
    os.symlink(os.path.abspath(os.path.join(directory, "mockserver")), os.path.join(link_dir, "mockserver_base"))
    sys.path.insert(0, link_dir)
    base = importlib.import_module("mockserver_base")
    return base.create_app(seed=0).state.world


def compare(directory: str, only: str | None, items: int, rounds: int, pages: bool) -> list[tuple]:
    """(recipe, base us, now us) per recipe, the medians of rounds taken in turn."""
    base, here = _base_world(directory), _world(None)
    _settle()
    rows = []
    for rid in sorted(here.recipes):
        if only and only not in rid or rid not in base.recipes:
            continue
        b, h = [], []
        for r in range(rounds):
            b += measure(base, rid, items, 1, r, pages).get(rid, [])
            h += measure(here, rid, items, 1, r, pages).get(rid, [])
        rows.append((rid, statistics.median(b), statistics.median(h)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="recipes whose id contains this")
    parser.add_argument("--code", help="import mockserver from this directory")
    parser.add_argument("--against", help="compare with the mockserver package in this directory")
    parser.add_argument("--pages", action="store_true", help="first pages of never-seen collections")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if args.against:
        rows = compare(args.against, args.only, args.items, args.rounds, args.pages)
        if args.json:
            print(json.dumps({"base_us": {r: b for r, b, _ in rows}, "now_us": {r: h for r, _, h in rows}}))
            return 0
        print(f"{'recipe':58} {'base us':>9} {'now us':>9} {'speed-up':>9}")
        for rid, b, h in rows:
            print(f"{rid:58} {b:9.1f} {h:9.1f} {b / h:8.2f}x")
        return 0

    world = _world(args.code)
    _settle()
    figures = measure(world, args.only, args.items, args.rounds, 0, args.pages)
    if args.json:
        print(json.dumps({"us_per_item": figures}))
        return 0
    print(f"{'recipe':58} {'us/item':>9}  rounds")
    for rid, figs in figures.items():
        print(f"{rid:58} {statistics.median(figs):9.1f}  {' '.join(f'{f:.1f}' for f in figs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
