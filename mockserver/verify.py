"""`mockserver verify`: what a client under test did, read from a running mock's journal.

Violations (requests that broke the spec) fail the run; coverage shows which operations,
parameters and enum values the client exercised and which it never did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .spec import Operation, Spec


@dataclass
class OperationCoverage:
    operation: Operation
    requests: int = 0
    parameters_used: set[str] = field(default_factory=set)
    enum_values_used: dict[str, set[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.operation.spec.name}:{self.operation.operation_id}"

    def parameters_never(self) -> list[str]:
        return [p for p in self.operation.query_params if p not in self.parameters_used]

    def enum_values_never(self) -> dict[str, list[str]]:
        out = {}
        for name, param in self.operation.query_params.items():
            values = _enum(param.schema)
            if values:
                missing = [v for v in values if v not in self.enum_values_used.get(name, set())]
                if missing:
                    out[name] = missing
        return out


@dataclass
class Report:
    coverage: list[OperationCoverage]
    violations: list[dict]
    total: int
    never_fired: list[dict] = field(default_factory=list)  # fault-script rules (scripts.py)

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict:
        return {
            "requests": self.total,
            "violations": self.violations,
            "rules_never_fired": self.never_fired,
            "operations": [
                {"operation": c.name, "requests": c.requests, "parameters_used": sorted(c.parameters_used),
                 "parameters_never": c.parameters_never(), "enum_values_never": c.enum_values_never()}
                for c in self.coverage
            ],
        }

    def as_text(self) -> str:
        lines = [f"{self.total} request(s) recorded, {len(self.violations)} violation(s)."]
        if self.violations:
            lines.append("\nViolations:")
            for v in self.violations:
                where = f"{v['method']} {v['path']}" + (f"?{v['query']}" if v["query"] else "")
                lines.append(f"  #{v['id']} {where} -> {v['status']}")
                lines += [f"      {message}" for message in v["violations"]]
        if self.never_fired:
            lines.append("\nScript rules that never fired (the client never reached the fault they script):")
            lines += [f"  {r['rule']}: {r['operation']}, matched {r['seen']} request(s)" for r in self.never_fired]
        lines.append("\nCoverage:")
        for c in self.coverage:
            if not c.requests:
                lines.append(f"  {c.name:55} never called")
                continue
            used = ", ".join(sorted(c.parameters_used)) or "-"
            lines.append(f"  {c.name:55} {c.requests} request(s); parameters used: {used}")
            never = c.parameters_never()
            if never:
                lines.append(f"      parameters never sent: {', '.join(never)}")
            for name, values in c.enum_values_never().items():
                lines.append(f"      {name}: values never sent: {', '.join(values)}")
        return "\n".join(lines)


def _enum(schema: dict) -> list[str]:
    if schema.get("type") == "array":
        schema = schema.get("items") or {}
    values = [str(v) for v in schema.get("enum", [])]
    return [v for v in values if not v.startswith("-")] if any(v.startswith("-") for v in values) else values


def build_report(specs: list[Spec], journal: dict, script: dict | None = None) -> Report:
    coverage = {f"{op.spec.name}:{op.operation_id}": OperationCoverage(op) for s in specs for op in s.operations}
    for entry in journal.get("requests", []):
        item = coverage.get(entry.get("operation") or "")
        if item is None:
            continue
        item.requests += 1
        for name, values in (entry.get("parameters") or {}).items():
            name = name.removesuffix("[]")
            if name not in item.operation.query_params:
                continue
            item.parameters_used.add(name)
            for value in values:
                for part in value.split(","):
                    item.enum_values_used.setdefault(name, set()).add(part.strip().lstrip("-"))
    violations = [e for e in journal.get("requests", []) if e.get("violations")]
    never_fired = [r for r in (script or {}).get("rules", []) if not r.get("fired")]
    return Report(list(coverage.values()), violations, len(journal.get("requests", [])), never_fired)
