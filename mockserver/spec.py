"""Load OpenAPI specs into `Operation` objects: the only place that reads YAML.

Everything downstream works on plain, fully dereferenced dicts, so no other module needs to know
about `$ref`, YAML or where the files live.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

BUNDLED_SPECS = Path(__file__).resolve().parent / "specs"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # query | path | header
    schema: dict
    required: bool = False
    explode: bool = True
    extensions: dict = field(default_factory=dict)  # the parameter's own `x-` keys
    examples: tuple = ()  # documented example values (`example` / `examples`)

    @property
    def is_array(self) -> bool:
        return self.schema.get("type") == "array"

    @property
    def default(self) -> Any:
        return self.schema.get("default")


@dataclass
class Operation:
    """One documented endpoint, with everything the mock and the contract checks need."""

    spec: "Spec"
    method: str
    path: str
    operation_id: str
    parameters: list[Parameter]
    responses: dict
    raw: dict

    @property
    def mock(self) -> dict:
        """The `x-mock` extension: how to page, filter, sort and generate this collection."""
        return self.raw.get("x-mock", {})

    @property
    def dialect_name(self) -> str:
        return self.mock.get("dialect") or self.spec.raw.get("x-mock", {}).get("dialect", "template")

    @cached_property
    def query_params(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters if p.location == "query"}

    @cached_property
    def path_params(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters if p.location == "path"}

    @property
    def security_schemes(self) -> list[dict]:
        """The security schemes this operation accepts (any one of them will do)."""
        requirements = self.raw.get("security", self.spec.raw.get("security", []))
        schemes = self.spec.raw.get("components", {}).get("securitySchemes", {})
        return [schemes[name] for req in requirements for name in req if name in schemes]

    def response_schema(self, status: int | str, media: str = "application/json") -> dict | None:
        response = self.responses.get(str(status)) or {}
        return response.get("content", {}).get(media, {}).get("schema")

    @property
    def route_path(self) -> str:
        """The path as a Starlette route, with parameter names made identifier-safe."""
        return re.sub(r"{([^}]+)}", lambda m: "{" + safe_name(m.group(1)) + "}", self.path)

    def __repr__(self) -> str:
        return f"<Operation {self.method.upper()} {self.path} ({self.spec.name})>"


@dataclass
class Spec:
    name: str
    path: Path
    raw: dict  # dereferenced
    operations: list[Operation] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.raw.get("info", {}).get("title", self.name)

    def schema(self, name: str) -> dict:
        return self.raw["components"]["schemas"][name]

    @property
    def entities(self) -> dict:
        """Shared records (customers, currencies...) that items reference by id."""
        return self.raw.get("x-mock", {}).get("entities", {})


def safe_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


def deref(node: Any, root: dict, _seen: tuple = ()) -> Any:
    """Inline every local `$ref` (our specs have no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in _seen:
                raise ValueError(f"recursive $ref {ref}")
            target: Any = root
            for part in ref.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**copy.deepcopy(target), **siblings}
            return deref(merged, root, _seen + (ref,))
        return {k: deref(v, root, _seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(v, root, _seen) for v in node]
    return node


class SpecError(ValueError):
    """A spec file that cannot be served: the message names the file, the problem and the fix."""


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            document = yaml.load(fh, Loader=_LOADER)  # libyaml's loader: ten times faster (start-up)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise SpecError(f"{path}: not valid YAML{where} ({problem}); fix the file, or pass a bundled spec name") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text; pass an OpenAPI YAML or JSON file") from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3"):
        raise SpecError(f"{path}: not an OpenAPI 3 document (no `openapi: 3.x` at the top); pass an OpenAPI spec "
                        "or a bundled name (teamup, elasticpath-promotions, ops-promotions, nuweb)")
    return document


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path: str | Path) -> Spec:
    """The spec at `path`, checked; any shape OpenAPI does not allow is one SpecError line."""
    path = Path(path)
    try:
        return _load(path)
    except SpecError:
        raise
    except Exception as exc:  # a parameter without `in`, a path that is no object, ...
        raise SpecError(f"{path}: not a valid OpenAPI 3 document ({type(exc).__name__}: {exc}); check its paths, "
                        "parameters and responses against the OpenAPI specification") from None


def _load(path: Path) -> Spec:
    from .language import problems  # the x-mock / x-faker language, checked before anything is built

    document = _read(path)
    found = problems(document, str(path))
    if found:
        more = f" (and {len(found) - 1} more: `mockserver check {path}` lists them)" if len(found) > 1 else ""
        raise SpecError(found[0] + more)
    try:
        raw = deref(document, document)
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{path}: a $ref cannot be resolved ({exc}); point it at an existing #/components/... entry") from None
    spec = Spec(name=path.stem, path=path, raw=raw)
    for route, item in raw.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op_raw = item[method]
            params = [_parameter(p) for p in shared + op_raw.get("parameters", [])]
            spec.operations.append(
                Operation(
                    spec=spec,
                    method=method,
                    path=route,
                    operation_id=op_raw.get("operationId", f"{method}_{route}"),
                    parameters=params,
                    responses=op_raw.get("responses", {}),
                    raw=op_raw,
                )
            )
    return spec


def _parameter(raw: dict) -> Parameter:
    return Parameter(
        name=raw["name"],
        location=raw["in"],
        schema=raw.get("schema", {}),
        required=raw.get("required", raw["in"] == "path"),
        explode=raw.get("explode", raw.get("style", "form") == "form"),
        extensions={k: v for k, v in raw.items() if k.startswith("x-")},
        examples=tuple([raw["example"]] if "example" in raw else
                       [e.get("value") for e in (raw.get("examples") or {}).values() if isinstance(e, dict)]),
    )


def bundled_spec_paths() -> list[Path]:
    return sorted(BUNDLED_SPECS.glob("*.yaml"))


def resolve_spec_path(name_or_path: str) -> Path:
    """Accept a bundled spec's short name (`teamup`) or a file path."""
    candidate = Path(name_or_path)
    if candidate.exists():
        return candidate
    for path in bundled_spec_paths():
        if path.stem == name_or_path:
            return path
    known = ", ".join(p.stem for p in bundled_spec_paths())
    raise FileNotFoundError(f"no spec file or bundled spec named {name_or_path!r} (bundled: {known})")


def load_specs(paths: list[str] | None = None) -> list[Spec]:
    chosen = [resolve_spec_path(p) for p in paths] if paths else bundled_spec_paths()
    return [load_spec(p) for p in chosen]
