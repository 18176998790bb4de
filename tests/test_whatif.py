"""What-if projections and rulebook drafts: CLI, services and HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ledger import render
from ledger.api import create_app
from ledger.rulebooks import load_rulebook, shipped_directory
from ledger.services import Ledger, Settings
from ledger.tokens import new_token
from ledger.whatif import diff_rulebooks
from tests.signing import sign_in

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = shipped_directory() / "yinchuan-2018.toml"


def draft(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"draft-{len(list(tmp_path.glob('draft-*')))}.toml"
    path.write_text(text.replace(old, new).replace("version = 1\n", "version = 2\n", 1), encoding="utf-8")
    return path


def year(ledger: Ledger) -> None:
    """Two counties: xq meets its quota in Q1 only and has one adoption; jf misses the quota twice
    but has three 《国报信息》 adoptions."""
    acts: list[dict[str, Any]] = [
        {"type": "unit.registered", "occurred_on": "2019-01-01", "unit": u, "name": n, "class": "county"}
        for u, n in (("xq", "兴庆区"), ("jf", "金凤区"))
    ]
    acts += [
        {"id": f"f{i}", "type": "report.filed", "occurred_on": "2019-02-01", "unit": "xq", "report": f"X{i}",
         "title": "信息"}
        for i in range(90)
    ]  # fmt: skip
    acts.append({"type": "report.adopted", "occurred_on": "2019-02-02", "report": "X0",
                 "publication": "yinchuan-zwxx", "form": "item"})  # fmt: skip
    for i in range(3):
        acts.append({"id": f"j{i}", "type": "report.filed", "occurred_on": "2019-04-01", "unit": "jf",
                     "report": f"J{i}", "title": "信息"})  # fmt: skip
        acts.append({"type": "report.adopted", "occurred_on": "2019-04-02", "report": f"J{i}",
                     "publication": "guobao", "form": "item"})  # fmt: skip
    ledger.append(acts)


def test_whatif_compares_units_and_clauses_and_writes_nothing(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """Doubling the quota points moves xq (10 → 20 base points) above jf; the clause behind the change
    is named, and the ledger's head is untouched."""
    year(sqlite_ledger)
    head = sqlite_ledger.store.head()
    document = sqlite_ledger.whatif(
        "yinchuan-2018", load_rulebook(draft(tmp_path, "met = 10", "met = 20")), "2019"
    )
    assert sqlite_ledger.store.head() == head
    assert document["draft"]["version"] == 2
    units = {u["unit"]: u for u in document["units"]}
    xq, jf = units["xq"], units["jf"]
    assert (xq["base_total"], xq["draft_total"], xq["difference"]) == (13, 23, 10)
    assert (jf["base_total"], jf["draft_total"]) == (15, 15)
    assert (xq["base_rank"], xq["draft_rank"], xq["rank_change"]) == (2, 1, 1)
    assert xq["clauses"] == [
        {"clause": {"id": "9.1-quota", "wording": xq["clauses"][0]["clause"]["wording"]},
         "base": 10, "draft": 20, "difference": 10}
    ]  # fmt: skip
    assert jf["clauses"] == []
    assert document["units"][0]["rank_change"] != 0  # rank changes first


def test_whatif_command_says_the_changes_in_words(sqlite_url: str, tmp_path: Path) -> None:
    """`ledger whatif` says what the draft changes in words under its table, and on standard error beside
    JSON, which stays the document alone."""
    path = draft(tmp_path, "points = { default = 3, brief = 1 }", "points = { default = 4, brief = 1 }")
    ledger = Ledger.open(Settings(database_url=sqlite_url))
    try:
        year(ledger)
    finally:
        ledger.close()
    command = [sys.executable, "-m", "ledger", "whatif", "--base", "yinchuan-2018", "--draft", str(path),
               "--period", "2019", "--db", sqlite_url]  # fmt: skip
    table = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert table.returncode == 0, table.stderr
    assert "版本号 1 → 2" in table.stdout and "《银川政务信息》每条分值 3 → 4" in table.stdout
    json = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert json.stdout.startswith("{") and "《银川政务信息》每条分值 3 → 4" in json.stderr


def test_rulebook_diff_names_the_changed_clause(tmp_path: Path) -> None:
    """`diff` lists exactly the clause whose points changed, with both values."""
    changes = diff_rulebooks(
        load_rulebook(SHIPPED), load_rulebook(draft(tmp_path, "points = -3", "points = -5"))
    )
    assert [(c["where"], c["change"], c["fields"]) for c in changes] == [
        ("clauses.9.3-commission", "changed", ["points"])
    ]


def test_rulebook_check_and_diff_commands(tmp_path: Path) -> None:
    """`ledger rulebook check` accepts a valid draft and names the key of a bad one."""
    good = draft(tmp_path, "met = 10", "met = 20")
    ok = subprocess.run([sys.executable, "-m", "ledger", "rulebook", "check", str(good)],
                        capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert ok.returncode == 0 and "yinchuan-2018@2 有效" in ok.stdout
    bad = draft(tmp_path, "met = 10", 'met = "ten"')
    result = subprocess.run([sys.executable, "-m", "ledger", "rulebook", "check", str(bad)],
                            capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert result.returncode == 2 and "clauses[0].met" in result.stderr
    diff = subprocess.run([sys.executable, "-m", "ledger", "rulebook", "diff", "yinchuan-2018", str(good)],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert "改动  clauses.9.1-quota" in diff.stdout


def test_whatif_over_http(tmp_path: Path, sqlite_url: str) -> None:
    """POST /v1/whatif takes the draft as TOML; a bad draft is 422 naming the key; units may not use it."""
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        tokens = {role: new_token() for role in ("office", "auditor", "unit:xq")}
        for role, token in tokens.items():
            client.app.state.tokens.create(token, role.replace(":", "-"), role)  # type: ignore[attr-defined]
        year(client.app.state.ledger)  # type: ignore[attr-defined]
        text = draft(tmp_path, "met = 10", "met = 20").read_bytes()
        params = {"base": "yinchuan-2018", "period": "2019"}

        def post(role: str, body: bytes) -> Any:
            headers = {"Authorization": f"Bearer {tokens[role]}", "Content-Type": "application/toml"}
            return client.post("/v1/whatif", params=params, content=body, headers=headers)

        answer = post("auditor", text)
        assert answer.status_code == 200
        assert {u["unit"]: u["difference"] for u in answer.json()["units"]} == {"xq": 10, "jf": 0}
        bad = post("office", text.replace(b"met = 20", b"met = [1]"))
        assert bad.status_code == 422 and "clauses[0].met" in bad.json()["detail"]
        assert post("office", b"id = ").status_code == 422
        assert post("unit:xq", text).status_code == 403


# --- drafts out of bounds, and drafts at every bound -------------------------------------------------

UNBOUNDED = {  # the issue's drafts: each a 500, a RecursionError or a draft called valid
    "points 1e308": ("points = { default = 5 }", "points = { default = 1e308 }"),
    "points 10^40": ("points = { default = 5 }", "points = { default = 1" + "0" * 40 + " }"),
    "points 2^63-1": ("points = { default = 5 }", "points = { default = 9223372036854775807 }"),
    "arrays 1200 deep": ("cadence = ", "x = " + "[" * 1200 + "]" * 1200 + "\ncadence = "),
    "inline tables 2000 deep": ("cadence = ", "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\ncadence = "),
}


def test_drafts_out_of_bounds_are_refused_alike_by_the_api_the_form_and_check(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Each unbounded draft is a 422 naming the key or line over HTTP, a 422 page on the form, and exit 2
    with the very same message from `ledger rulebook check` (one code path), never a 500 or a traceback."""
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        token = new_token()
        client.app.state.tokens.create(token, "office", "office")  # type: ignore[attr-defined]
        year(client.app.state.ledger)  # type: ignore[attr-defined]
        csrf = sign_in(client, token)
        for name, (old, new) in UNBOUNDED.items():
            path = draft(tmp_path, old, new)
            api = client.post(
                "/v1/whatif",
                params={"base": "yinchuan-2018", "period": "2019"},
                content=path.read_bytes(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/toml"},
            )
            assert api.status_code == 422, (name, api.text)
            detail = api.json()["detail"]
            assert detail.startswith("draft: ") and ("超出范围" in detail or "超过 32 层" in detail), detail
            if "points" in name:
                assert "publications.yinchuan-ztxx.points.default" in detail
            form = {"base": "yinchuan-2018", "period": "2019", "source": "toml", "csrf": csrf}
            page = client.post("/whatif", data={**form, "draft_toml": path.read_text()})
            assert page.status_code == 422 and "草案无效" in page.text, name
            check = subprocess.run([sys.executable, "-m", "ledger", "rulebook", "check", str(path)],
                                   capture_output=True, text=True, cwd=ROOT)  # fmt: skip
            assert check.returncode == 2 and "Traceback" not in check.stderr, (name, check.stderr)
            said = " ".join(check.stderr.split())
            assert f"{path}: {detail.removeprefix('draft: ')}" in said, (name, said)


LARGEST = """
[[clauses]]
id = "x-converted"
kind = "conversion"
metric = "converted"
weight = 1000000
base = 0.0001
wording = "总分按权重折算 (the total × 10^6 / 0.0001: the largest multiple the bounds allow)"

[[clauses]]
id = "x-stipend"
kind = "stipend"
metric = "yuan"
per_point = 1000000
at_least = { county = -1000000, department = -1000000, institution = -1000000 }
wording = "每分补贴 (10^6 yuan a point)"
"""


def test_a_draft_at_every_bound_scores_a_real_year(tmp_path: Path) -> None:
    """Every amount at 1,000,000 (adoptions, endorsements as a multiple of them, a conversion by 10^10, a
    stipend of 10^6 a point) scored over a generated city-year answers: totals stay exact, metrics past
    10^18 are floats, and the documents serialise (before: orjson's TypeError past 64 bits)."""
    from tests.test_web import filled_database

    ledger = Ledger.open(Settings(database_url=filled_database(tmp_path)))
    try:
        text = SHIPPED.read_text(encoding="utf-8")
        text = re.sub(r"points = \{ default = \d+(, brief = 1)? \}", "points = { default = 1000000 }", text)
        text = text.replace("points = { national = 10, region = 5, city = 3 }", "adoption_multiple = 1000000")
        path = tmp_path / "largest.toml"
        path.write_text(text + LARGEST, encoding="utf-8")
        for period in ("2019", "2019-Q3"):
            document = ledger.score(str(path), period)
            render.dumps(document)
            top = max(document["units"], key=lambda u: u["total"])
            assert isinstance(top["total"], int) and top["total"] > 10**12
            assert isinstance(top["metrics"]["converted"], float) and top["metrics"]["converted"] > 10**22
            compared = ledger.whatif("yinchuan-2018", load_rulebook(path), period)
            assert render.dumps(compared) and any(u["difference"] > 10**12 for u in compared["units"])
        print(f"\nlargest total {top['total']:,}, converted {top['metrics']['converted']:.4g}")
    finally:
        ledger.close()
