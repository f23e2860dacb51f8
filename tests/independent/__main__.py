"""Serve the independent implementation: python -m tests.independent --port N [--bug NAME ...]."""

from __future__ import annotations

import argparse

import uvicorn

from tests.independent.app import BUGS, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.independent", description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bug", action="append", default=[], choices=sorted(BUGS), metavar="NAME",
                        help="turn on a planted bug (repeatable): " + ", ".join(sorted(BUGS)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", default=None, help="accept only this token (default: any non-empty one)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    app = create_app(bugs=frozenset(args.bug), seed=args.seed, token=args.token)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
