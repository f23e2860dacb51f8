"""The x-mock / x-faker language is checked: a misspelt hint, a wrong type or an expression that does
not parse is refused at start-up and by `mockserver check`, with the file and the path, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.language import problems
from mockserver.spec import SpecError, bundled_spec_paths, load_spec

OPS = Path(__file__).resolve().parent.parent / "specs" / "ops-promotions.yaml"
BIN = Path(sys.executable).parent


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = OPS.read_text()
    assert old in text
    path = tmp_path / "ops.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def mockserver(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "mockserver"), *args], capture_output=True, text=True, timeout=60)


def test_the_bundled_specs_speak_the_language():
    import yaml

    for path in bundled_spec_paths():
        assert problems(yaml.safe_load(path.read_text()), str(path)) == [], path.name
    assert mockserver("check").returncode == 0


@pytest.mark.parametrize("old, new, said", [
    ("range: [8, 600]", "rnage: [8, 600]",
     "components.schemas.UsageHistory.properties.originalAmount.x-faker: Additional properties are not allowed ('rnage' was unexpected); known here:"),
    ('expr: "round(originalAmount - discountAmount, 2)"', 'expr: "round(originalAmount - , 2)"',
     "components.schemas.UsageHistory.properties.finalAmount.x-faker.expr: the expression does not parse"),
    ("page: page\n          limit: limit", "page: page\n          limt: limit",
     "paths./api/v1/ops/promotions/{promotionalId}/usage-history.get.x-mock.paging: "),
    ("style: s}}", "style: seconds}}", "x-faker.style: "),
    ('expr: "round(originalAmount * discountValue / 100, 2) if discountValue <= 100 else 0"',
     'expr: "round(originalAmount - finalAmount, 2)"',
     "properties.discountAmount.x-faker: the expression names `finalAmount`, which is generated after "
     "`discountAmount`; move `finalAmount` above it or list it in `first:` on the object"),
])
def test_a_mistake_is_named_with_file_and_path_at_start_up_and_by_check(tmp_path, old, new, said):
    path = broken(tmp_path, old, new)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(path) in str(caught.value) and said in str(caught.value)
    checked = mockserver("check", str(path))
    assert checked.returncode == 2 and said in checked.stderr and "Traceback" not in checked.stderr
    served = mockserver("serve", "--spec", str(path), "--port", "1")
    assert served.returncode == 2 and len(served.stderr.strip().splitlines()) == 1 and said in served.stderr
