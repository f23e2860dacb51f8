"""`x-contract`: how each claim is graded, how responses are read, and the documented view of a spec."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import yaml

from contracts.declarations import Contract, Reader, documented_view, select
from contracts.report import junit_xml, markdown, summary_text
from contracts.results import FAIL, WARN, CheckResult, CheckRun, OperationResult
from contracts.runner import RunResult
from mockserver.spec import BUNDLED_SPECS, load_specs

CONTRACT = Contract({"x-contract": {
    "documented": {"paging.max-limit": "You can set this value up to 100."},
    "readings": {"paging.over-max": {"ours": "refused with a 400",
                                     "alternatives": {"clamp": "clamps `page[limit]` above 100 instead of refusing it"}},
                 "filter": {"ours": "filters by the field", "alternatives": {}}},
}})


def run_for(name: str) -> CheckRun:
    return CheckRun(CheckResult(name), lambda text: text, CONTRACT)


def test_a_broken_reading_is_a_warn_naming_the_alternative_a_broken_documented_claim_a_fail():
    c = run_for("paging.max-limit")
    c.expect(False, "`page[limit]=101` is refused", basis="paging.over-max", took="clamp")
    c.expect(False, "`page[limit]=100` returns a full page")
    warn, fail = c.result.findings
    assert (warn.kind, fail.kind) == (WARN, FAIL)
    assert warn.claim.endswith("clamps `page[limit]` above 100 instead of refusing it")
    assert warn.basis == "our reading: refused with a 400"
    assert fail.basis == 'documented: "You can set this value up to 100."'
    assert c.result.status == "failed" and (c.result.failures, c.result.warnings) == (1, 1)


def test_a_prefix_declares_every_claim_under_it_and_generic_claims_have_a_basis():
    assert CONTRACT.basis("filter.customers").is_reading
    assert CONTRACT.basis("paging.walk").kind == "implied"  # from declarations.GENERIC
    assert CONTRACT.basis("server-error").kind == "implied"
    assert not CONTRACT.undeclared


def test_an_undeclared_claim_is_graded_as_a_reading_and_listed():
    contract = Contract({})
    c = CheckRun(CheckResult("sort.options"), str, contract)
    c.expect(False, "order holds")
    assert c.result.status == "warned" and "sort.options" in contract.undeclared


def test_equal_findings_are_counted_once_and_distinct_ones_all_kept():
    c = run_for("paging.max-limit")
    for _ in range(9):
        c.expect(False, "the page reports `meta.page.limit`", expected="a number", actual="absent")
    c.expect(False, "the page reports `meta.page.offset`", expected="a number", actual="absent")
    assert [f.count for f in c.result.findings] == [9, 1] and c.result.failures == 10


def test_items_are_read_where_x_contract_says_wrappers_or_not():
    one_each = {"data": [{"data": {"codes": [{"code": "A"}]}}, {"data": {"codes": [{"code": "B"}]}}]}
    one_wrapper = {"data": [{"data": {"codes": [{"code": "A"}, {"code": "B"}]}}]}
    reader = Reader(items="data[].data.codes[]", total="meta.results.total", identity="code")
    assert reader.items_of(one_each) == reader.items_of(one_wrapper) == [{"code": "A"}, {"code": "B"}]
    assert reader.items_of({"data": []}) == []
    assert reader.total_of(one_each) is None  # the vendor's example carries no total: none is read
    with pytest.raises(KeyError):
        reader.items_of({"errors": []})
    assert select({"meta": {"total": 3}}, "meta.total") == [3]


def test_the_documented_view_drops_our_constraints_and_our_error_envelopes():
    raw = yaml.safe_load((BUNDLED_SPECS / "elasticpath-promotions.yaml").read_text())
    view = documented_view(raw)
    offset = view["components"]["parameters"]["PageOffset"]["schema"]
    assert "maximum" not in offset and "x-documented" not in offset  # the 10,000 cap is ours
    codes = view["paths"]["/v2/promotions/{promotionID}/codes"]["get"]["responses"]
    assert set(codes) == {"200", "401", "4XX"}  # the printed 401 stays; 400/429/... are "any JSON 4xx"
    usages_page = view["components"]["schemas"]["UsagesPage"]
    assert usages_page["required"] == ["data"]  # the vendor's example has only `data`
    positive = documented_view(raw, parameters=False)
    assert positive["components"]["parameters"]["PageOffset"]["schema"]["maximum"] == 10000


def test_every_bundled_reading_says_what_we_chose_and_every_documented_claim_quotes_the_page():
    for spec in load_specs(None):
        for op in spec.operations:
            block = op.raw.get("x-contract") or {}
            assert block.get("read", {}).get("items"), f"{op}: x-contract.read.items"
            for claim, quote in (block.get("documented") or {}).items():
                assert len(str(quote)) > 10, f"{op}: {claim} needs the vendor's sentence"
            for claim, reading in (block.get("readings") or {}).items():
                assert reading.get("ours"), f"{op}: reading {claim} needs `ours`"


def _result(strict: bool = False) -> RunResult:
    op = OperationResult("teamup", "getDiscountCodeUsesReportData", "GET", "/api/v2/reports/discount_code_uses/data")
    c = CheckRun(op.check_result("paging.max-limit"), str, CONTRACT)
    c.expect(False, "`limit=101` is refused \x00\x1b", basis="paging.over-max", took="clamp")
    op.check_result("sort.default").skipped = "no default order documented"
    return RunResult("http://api.test", 1, "placeholder", True, specs=["teamup"], operations=[op],
                     strict_readings=strict)


def test_reports_show_warn_and_skip_and_the_exit_code_follows_strict_readings():
    lenient, strict = _result(), _result(strict=True)
    assert lenient.exit_code == 0 and strict.exit_code == 1
    text = summary_text(lenient, str)
    assert "WARNINGS (another reading" in text and "paging.max-limit: WARN 1 time(s)" in text
    assert "SKIP sort.default on 1 operation(s): no default order documented" in text
    assert "OK: 0 failed checks, 1 warned checks" in text
    assert "| `paging.max-limit` | WARN |" in markdown(lenient, str) and "**WARN**" in markdown(lenient, str)
    root = ET.fromstring(junit_xml(lenient, str).split("?>", 1)[1])  # well-formed despite the control bytes
    case = next(c for c in root.iter("testcase") if c.get("name") == "paging.max-limit")
    assert case.find("failure") is None and case.find("properties/property").get("value") == "warn"
    strict_case = next(c for c in ET.fromstring(junit_xml(strict, str).split("?>", 1)[1]).iter("testcase")
                       if c.get("name") == "paging.max-limit")
    assert strict_case.find("failure") is not None


def test_the_bundled_declarations_follow_the_language_and_a_misspelt_one_is_named_with_file_and_path(tmp_path):
    from contracts.declarations import problems
    from contracts.runner import RunOptions, Session, UsageError

    for spec in load_specs(None):
        assert problems(spec.raw, str(spec.path)) == [], spec.name
    raw = yaml.safe_load((BUNDLED_SPECS / "ops-promotions.yaml").read_text())
    block = raw["paths"]["/api/v1/ops/promotions/{promotionalId}/usage-history"]["get"]["x-contract"]
    block["readings"]["paging.over-max"] = {"our": "typo"}
    broken = tmp_path / "ops.yaml"
    broken.write_text(yaml.safe_dump(raw, sort_keys=False))  # property order is generation order
    session = Session(RunOptions(base_url="http://127.0.0.1:9", specs=[str(broken)]))
    with pytest.raises(UsageError) as caught:
        session.discover()
    message = str(caught.value)
    assert str(broken) in message and "usage-history.get.x-contract.readings.paging.over-max" in message
    assert "'our' was unexpected" in message and "\n" not in message
