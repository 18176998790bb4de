"""The HTTP API in process (FastAPI's TestClient over the real app), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.api import create_app
from ledger.services import Settings
from ledger.tokens import new_token

ROOT = Path(__file__).resolve().parents[1]

UNITS = [
    {"id": "u-xq", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xingqing",
     "name": "兴庆区", "class": "county"},
    {"id": "u-jf", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "jinfeng",
     "name": "金凤区", "class": "county"},
]  # fmt: skip


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    def call(self, method: str, path: str, role: str | None = "office", **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.request(method, path, headers=headers, **kw)

    def count(self) -> int:
        return len(self.call("GET", "/v1/events?limit=1000", role="auditor").json()["acts"])


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        tokens = {}
        for role in ("office", "auditor", "admin", "unit:xingqing"):
            tokens[role] = new_token()
            client.app.state.tokens.create(tokens[role], role.replace(":", "-"), role)  # type: ignore[attr-defined]
        api = Api(client, tokens)
        assert api.call("POST", "/v1/events", json=UNITS).status_code == 201
        yield api


def filing(report: str, unit: str = "xingqing", day: str = "2019-07-03", **extra: Any) -> dict[str, Any]:
    return {
        "type": "report.filed",
        "occurred_on": day,
        "unit": unit,
        "report": report,
        "title": "标题",
        **extra,
    }


def test_append_batch_answers_each_act_and_duplicates(api: Api) -> None:
    """A batch answers per act its id, position, recorded_at and new/duplicate; a retry is all duplicates."""
    batch = [filing("R1", id="f1"), filing("R2", id="f2")]
    first = api.call("POST", "/v1/events", json=batch)
    assert first.status_code == 201
    acts = first.json()["acts"]
    assert [a["status"] for a in acts] == ["new", "new"]
    assert acts[1]["position"] == acts[0]["position"] + 1
    again = api.call("POST", "/v1/events", json=batch)
    assert again.status_code == 200
    assert again.json()["acts"] == [{**a, "status": "duplicate"} for a in acts]


def test_conflicting_id_is_409_and_stores_nothing(api: Api) -> None:
    """An id reused with other content is 409, and nothing else of that batch is stored."""
    api.call("POST", "/v1/events", json=filing("R1", id="f1"))
    before = api.count()
    answer = api.call(
        "POST", "/v1/events", json=[filing("R9", id="f9"), filing("R1", id="f1", day="2019-07-04")]
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "第 2 项，字段 id" in answer.json()["detail"]
    assert api.count() == before


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        (b"{nope", 400, "not valid JSON"),
        (b"[]", 422, "empty"),
        (b'{"type": "report.filed", "occurred_on": "2019-13-01", "unit": "xingqing", "report": "R",'
         b' "title": "t"}', 422, "第 1 项，字段 occurred_on"),
        (b'{"type": "bogus", "occurred_on": "2019-01-01"}', 422, "字段 type"),
        (b'[{"type": "report.adopted", "occurred_on": "2019-01-01", "report": "none",'
         b' "publication": "guobao", "form": "item"}]', 422, "unknown report"),
        (b'[{"type": "violation.recorded", "occurred_on": "2019-03-01", "unit": "xingqing",'
         b' "item": "hy-hotlnie"}]', 422, "字段 item：未知的考核项目 'hy-hotlnie'（最接近的：hy-hotline"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[" * 5000 + b"]" * 5000, 400, "not valid JSON"),
    ],
)  # fmt: skip
def test_bad_bodies_get_clear_problems_and_store_nothing(
    api: Api, body: bytes, status: int, names: str
) -> None:
    """Malformed or invalid bodies get a problem+json naming what is wrong, and nothing is stored."""
    before = api.count()
    answer = api.call("POST", "/v1/events", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert names in answer.json()["detail"]
    assert api.count() == before


def test_oversized_batch_is_413(api: Api) -> None:
    """A batch of more than 10,000 acts is refused with 413 before anything is checked."""
    answer = api.call("POST", "/v1/events", json=[{"type": "x"}] * 10_001)
    assert answer.status_code == 413


def test_tokens_and_roles(api: Api) -> None:
    """No token is 401; a unit files only for itself; auditor and admin cannot append; admin cannot read."""
    assert api.call("POST", "/v1/events", role=None, json=filing("R1")).status_code == 401
    bad = api.call(
        "POST", "/v1/events", role=None, json=filing("R1"), headers={"Authorization": "Bearer lt_x"}
    )
    assert bad.status_code == 401
    own = filing("xingqing/R1")
    assert api.call("POST", "/v1/events", role="unit:xingqing", json=own).status_code == 201
    other = api.call("POST", "/v1/events", role="unit:xingqing", json=filing("R2", unit="jinfeng"))
    assert other.status_code == 403 and "字段 unit" in other.json()["detail"]
    adoption = {"type": "report.adopted", "occurred_on": "2019-07-05", "report": "xingqing/R1",
                "publication": "guobao", "form": "item"}  # fmt: skip
    assert api.call("POST", "/v1/events", role="unit:xingqing", json=adoption).status_code == 403
    assert api.call("POST", "/v1/events", role="auditor", json=adoption).status_code == 403
    assert api.call("POST", "/v1/events", role="admin", json=adoption).status_code == 403
    assert api.call("GET", "/v1/events", role="admin").status_code == 403
    assert api.call("POST", "/v1/events", role="office", json=adoption).status_code == 201


def test_unit_token_reads_only_its_own(api: Api) -> None:
    """A unit token sees its own acts (including adoptions of its reports) and scores, never another's."""
    api.call("POST", "/v1/events", json=[filing("R1"), filing("J1", unit="jinfeng")])
    adoption = {"type": "report.adopted", "occurred_on": "2019-07-05", "report": "R1",
                "publication": "guobao", "form": "item", "id": "a1"}  # fmt: skip
    api.call("POST", "/v1/events", json=adoption)
    mine = api.call("GET", "/v1/events", role="unit:xingqing").json()["acts"]
    assert {a.get("unit") for a in mine if a["type"] != "report.adopted"} == {"xingqing"}
    assert "a1" in {a["id"] for a in mine}
    assert api.call("GET", "/v1/events?unit=jinfeng", role="unit:xingqing").status_code == 403
    scores = api.call("GET", "/v1/scores?rulebook=yinchuan-2018&period=2019-Q3", role="unit:xingqing").json()
    assert [u["unit"] for u in scores["units"]] == ["xingqing"]
    bad = api.call(
        "GET", "/v1/scores?rulebook=yinchuan-2018&period=2019-Q3&unit=jinfeng", role="unit:xingqing"
    )
    assert bad.status_code == 403
    assert api.call("GET", "/v1/units/jinfeng", role="unit:xingqing").status_code == 403


def test_a_unit_token_names_only_ids_of_its_own(api: Api) -> None:
    """A unit token files reports and acts under its own slug only, so it can neither take an id another
    unit will file nor learn from an answer which ids other units use; duplicates it sees are its own."""
    office_filed = filing("2019-001", unit="jinfeng", id="jf-f1")
    assert api.call("POST", "/v1/events", json=office_filed).status_code == 201
    before = api.count()
    for attempt in (
        filing("2019-001"),  # the id jinfeng has: refused for the namespace, not for the clash
        filing("2019-002"),  # an id nobody has: refused just the same
        filing("jinfeng/2019-001"),  # under another unit's slug
        filing("xingqing/R9", id="jf-f1"),  # another unit's act id
        filing("xingqing/R9", id="x1"),
    ):
        answer = api.call("POST", "/v1/events", role="unit:xingqing", json=attempt)
        assert answer.status_code == 403, attempt
        detail = answer.json()["detail"]
        assert "'xingqing/'" in detail and "jinfeng" not in detail and "jf-f1" not in detail
    # The same refusal whether or not the id exists: nothing tells one from the other.
    clash = api.call("POST", "/v1/events", role="unit:xingqing", json=filing("2019-001")).json()
    fresh = api.call("POST", "/v1/events", role="unit:xingqing", json=filing("2019-002")).json()
    assert clash["detail"] == fresh["detail"]
    assert api.count() == before
    mine = filing("xingqing/2019-001", id="xingqing/f1")
    assert api.call("POST", "/v1/events", role="unit:xingqing", json=mine).status_code == 201
    assert api.call("POST", "/v1/events", role="unit:xingqing", json=mine).status_code == 200  # its own
    # Reading by report never reaches another unit's acts.
    theirs = api.call("GET", "/v1/events?report=2019-001", role="unit:xingqing").json()["acts"]
    assert theirs == []


def test_revoked_token_stops_at_once(api: Api) -> None:
    """Revoking a token makes its very next request 401."""
    assert api.call("GET", "/v1/units", role="auditor").status_code == 200
    api.client.app.state.tokens.revoke("auditor")  # type: ignore[attr-defined]
    assert api.call("GET", "/v1/units", role="auditor").status_code == 401


def test_event_filters_and_cursor_pages(api: Api) -> None:
    """GET /v1/events filters and pages by position; NDJSON streams every match."""
    api.call("POST", "/v1/events", json=[filing(f"R{i}", day=f"2019-0{1 + i % 9}-10") for i in range(25)])
    pages, cursor = [], 0
    while True:
        page = api.call("GET", f"/v1/events?type=report.filed&limit=10&after={cursor}", role="auditor").json()
        pages.append(page["acts"])
        if page["next"] is None:
            break
        cursor = page["next"]
    assert [len(p) for p in pages] == [10, 10, 5]
    ranged = api.call("GET", "/v1/events?occurred_from=2019-03-01&occurred_to=2019-04-30", role="auditor")
    assert all("2019-03-01" <= a["occurred_on"] <= "2019-04-30" for a in ranged.json()["acts"])
    stream = api.call("GET", "/v1/events", role="auditor", headers={"Accept": "application/x-ndjson"})
    assert stream.headers["content-type"].startswith("application/x-ndjson")
    assert len(stream.text.splitlines()) == 27
    assert api.call("GET", "/v1/events?type=bogus", role="auditor").status_code == 400


def history(api: Api) -> None:
    """Both units' filings, adoptions (one combined, crediting both), an endorsement, a task and its
    completion, a violation and a missed commission; then, later, voids of acts of both units, so that on
    small pages each void lies pages after its target."""
    day = {"occurred_on": "2019-07-20"}
    acts: list[dict[str, Any]] = []
    for i in range(6):
        acts += [filing(f"R-x{i}", id=f"f-x{i}"), filing(f"R-j{i}", unit="jinfeng", id=f"f-j{i}")]
    acts += [
        {**day, "id": "a-x0", "type": "report.adopted", "report": "R-x0", "publication": "guobao",
         "form": "item"},
        {**day, "id": "a-j0", "type": "report.adopted", "report": "R-j0", "publication": "guobao",
         "form": "brief"},
        {**day, "id": "c-j1", "type": "report.adopted", "report": "R-j1", "publication": "guobao",
         "form": "combined", "units": ["jinfeng", "xingqing"]},
        {**day, "id": "e-x1", "type": "endorsement.received", "report": "R-x1", "level": "city"},
        {**day, "id": "t-x", "type": "task.assigned", "unit": "xingqing", "task": "T1", "item": "hy-hotline",
         "title": "热线", "points": 5, "due_on": "2019-12-31"},
        {**day, "id": "done-x", "type": "task.completed", "task": "T1"},
        {**day, "id": "v-x", "type": "violation.recorded", "unit": "xingqing", "item": "xw-1.9-news"},
        {**day, "id": "m-j", "type": "commission.missed", "unit": "jinfeng"},
    ]  # fmt: skip
    acts += [
        {"id": f"void-{target}", "type": "event.voided", "occurred_on": "2019-08-01", "target": target,
         "reason": "录入有误"}
        for target in ("f-x2", "a-j0", "a-x0", "c-j1", "f-j2", "done-x", "v-x", "m-j")
    ]  # fmt: skip
    acts += [filing("R-x9", id="f-x9", day="2019-08-02"), filing("R-j9", unit="jinfeng", id="f-j9")]
    assert api.call("POST", "/v1/events", json=acts).status_code == 201


def paged(api: Api, query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    acts: list[dict[str, Any]] = []
    after = 0
    while True:
        page = api.call("GET", "/v1/events", role="auditor", params={**query, "after": after, "limit": limit})
        acts += page.json()["acts"]
        if page.json()["next"] is None:
            return acts
        after = page.json()["next"]


def streamed(api: Api, query: dict[str, Any]) -> list[dict[str, Any]]:
    answer = api.call("GET", "/v1/events", role="auditor", params=query, headers={"Accept": NDJSON})
    return [orjson.loads(line) for line in answer.text.splitlines()]


NDJSON = "application/x-ndjson"
QUERIES: list[dict[str, Any]] = [
    {"unit": "xingqing"},
    {"unit": "jinfeng"},
    {"unit": "xingqing", "type": "event.voided"},
    {"unit": "xingqing", "type": ["report.adopted", "event.voided"]},
    {"unit": "xingqing", "occurred_from": "2019-07-20"},
    {"report": "R-x0"},
    {"unit": "jinfeng", "report": "R-j1"},
    {"type": "event.voided"},
]


def test_paging_a_units_acts_returns_what_the_stream_returns(api: Api) -> None:
    """Pages of any size, joined, are the NDJSON stream, for every filter, voids whose targets lie on
    earlier pages included; a unit's voids are those of its own acts, also when only voids are asked for."""
    history(api)
    for query in QUERIES:
        stream = streamed(api, query)
        for limit in (1, 2, 3, 7, 100):
            assert paged(api, query, limit) == stream, (query, limit)
    voids = {"void-f-x2", "void-a-x0", "void-c-j1", "void-done-x", "void-v-x"}
    assert {a["id"] for a in streamed(api, {"unit": "xingqing"})} >= voids
    assert [a["id"] for a in streamed(api, {"unit": "xingqing", "type": "event.voided"})] == [
        f"void-{t}" for t in ("f-x2", "a-x0", "c-j1", "done-x", "v-x")
    ]
    assert [a["id"] for a in streamed(api, {"report": "R-x0"})] == ["f-x0", "a-x0", "void-a-x0"]
    combined = streamed(api, {"unit": "jinfeng", "report": "R-j1"})
    assert [a["id"] for a in combined] == ["f-j1", "c-j1", "void-c-j1"]
    assert len(streamed(api, {"unit": "xingqing"})) == len(paged(api, {"unit": "xingqing"}, 1)) == 19


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 40), query=st.sampled_from(QUERIES))
def test_paging_equals_streaming_for_any_page_size(api: Api, limit: int, query: dict[str, Any]) -> None:
    """For any page size and filter, the pages joined are the stream (the history is stored once)."""
    if not api.call("GET", "/v1/events?type=event.voided", role="auditor").json()["acts"]:
        history(api)
    assert paged(api, query, limit) == streamed(api, query)


def test_scores_units_rulebooks_health_metrics(api: Api) -> None:
    """Scores equal the CLI's JSON shape; units, rulebooks (with their readings in Chinese and English),
    /healthz and /metrics (for a token of the office, auditor or admin role) answer."""
    api.call("POST", "/v1/events", json=[filing("R1", id="f1")])
    scores = api.call(
        "GET", "/v1/scores?rulebook=yinchuan-2018&period=2019-Q3&known_at=2099-01-01", role="auditor"
    )
    document = scores.json()
    assert document["rulebook"]["id"] == "yinchuan-2018" and document["period"] == "2019-Q3"
    assert {u["unit"] for u in document["units"]} == {"xingqing", "jinfeng"}
    unit = api.call("GET", "/v1/units/xingqing", role="auditor").json()
    assert unit["class"] == "county" and any(a["id"] == "f1" for a in unit["acts"])
    assert api.call("GET", "/v1/units/nobody", role="auditor").status_code == 404
    books = api.call("GET", "/v1/rulebooks", role="auditor").json()["rulebooks"]
    assert {"yinchuan-2018", "district-info", "county-info"} <= {b["id"] for b in books}
    one = api.call("GET", "/v1/rulebooks/yinchuan-2018", role="auditor").json()["versions"][0]
    assert one["rulebook"]["classes"]["county"]["quota"] == 90
    quota = one["rulebook"]["clauses"][0]  # its reading in Chinese, the English beside it
    assert quota["reading"].startswith("报送任务按季度判定") and quota["reading_en"].startswith("The quota")
    assert one["rulebook"]["notes"].startswith("第九条") and "out of scope" in one["rulebook"]["notes_en"]
    assert api.call("GET", "/v1/rulebooks/nope", role="auditor").status_code == 404
    assert api.call("GET", "/v1/scores?rulebook=yinchuan-2018&period=20x9", role="auditor").status_code == 400
    assert api.call("GET", "/healthz", role=None).json() == {"status": "ok"}
    assert api.call("GET", "/metrics", role=None).status_code == 401
    assert api.call("GET", "/metrics", role="unit:xingqing").status_code == 403
    metrics = api.call("GET", "/metrics", role="admin").text
    assert "ledger_acts_appended_total" in metrics and 'route="/v1/events"' in metrics


def test_every_act_field_has_a_json_schema() -> None:
    """The OpenAPI schema describes every field of every act type (the fuzz generates from it)."""
    from ledger.acts import VOCABULARY
    from ledger.api.schemas import FIELD_SCHEMAS

    missing = sorted(
        {f"{kind}.{name}" for kind, spec in VOCABULARY.items() for name in spec}
        - {f"{kind}.{name}" for kind, spec in VOCABULARY.items() for name in spec if name in FIELD_SCHEMAS}
    )
    assert missing == []


def test_rulebook_names_are_never_paths(api: Api, tmp_path: Any) -> None:
    """A rulebook parameter naming a file path is refused as unknown: no request makes the server read
    files."""
    for name in ("/etc/passwd", "../rulebooks/yinchuan-2018.toml", "x.toml"):
        answer = api.call("GET", "/v1/scores", role="auditor", params={"rulebook": name, "period": "2019"})
        assert answer.status_code == 404, (name, answer.text)


OUT_OF_RANGE = ["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"]
TIMED = [  # (path, parameter) of every operation that takes an instant
    ("/v1/events", "recorded_from"),
    ("/v1/events", "recorded_to"),
    ("/v1/scores?rulebook=yinchuan-2018&period=2019", "known_at"),
    ("/v1/whatif?base=yinchuan-2018&period=2019", "known_at"),
]


@pytest.mark.parametrize(("path", "name"), TIMED)
def test_instants_out_of_range_are_a_400_naming_the_parameter(api: Api, path: str, name: str) -> None:
    """Any reader's instant before year 1 or after 9999 (in UTC or China time) is a 400 problem naming the
    parameter and the value, never a 500; the first and last instants are answered."""
    draft = (ROOT / "rulebooks" / "yinchuan-2018.toml").read_bytes()
    method, body = ("POST", draft) if "whatif" in path else ("GET", None)
    joiner = "&" if "?" in path else "?"
    for value in OUT_OF_RANGE:
        answer = api.call(method, f"{path}{joiner}{urlencode({name: value})}", content=body)
        assert answer.status_code == 400, (name, value, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert name in answer.json()["detail"] and repr(value) in answer.json()["detail"]
    for value in ("0001-01-01T00:00:00Z", "9999-12-31T15:59:59.999999Z", "9999-12-31", "0001-01-01"):
        answer = api.call(method, f"{path}{joiner}{urlencode({name: value})}", content=body)
        assert answer.status_code == 200, (name, value, answer.text)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/v1/scores?rulebook=yinchuan-2018&period=2019-Q9", ["期间 period 应为", "'2019-Q9'"]),
        (
            "/v1/scores?rulebook=yinchuan-2018&period=2019&as_of=2019%2F13%2F9",
            ["截止日期 as_of", "'2019/13/9'"],
        ),
    ],
)
def test_a_bad_period_or_date_is_a_400_problem_in_chinese(api: Api, path: str, words: list[str]) -> None:
    """A period or as-of date that cannot be read is a 400 problem whose title and detail are Chinese first,
    naming the parameter and quoting the value as sent."""
    answer = api.call("GET", path)
    assert answer.status_code == 400 and answer.json()["title"] == "请求有误 Bad request"
    detail = answer.json()["detail"]
    assert detail.startswith(words[0]) and all(w in detail for w in words), detail


def test_a_parameter_pydantic_refuses_is_named_in_chinese(api: Api) -> None:
    """A query parameter the request schema refuses (a page size of 0, a size that is no number) is a 422
    problem in Chinese naming the parameter and the value, not pydantic's English."""
    for value, words in (("0", "应不小于 1，而不是 '0'"), ("many", "应为整数，而不是 'many'")):
        answer = api.call("GET", f"/v1/events?limit={value}")
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert detail == f"参数 query.limit：{words}", detail
        assert answer.json()["errors"] == [{"where": "query.limit", "message": words}]

