"""Fuzz past the schema, against a real `ledger serve` on SQLite and PostgreSQL: boundary instants (years
1 and 9999 at every UTC offset), dates and periods at and past the ledger's range, huge and tiny numbers,
deep nesting of JSON bodies and TOML drafts, every text at its length limit and one past it, and bytes
that are not UTF-8, sent to every operation of the API and to the pages, by every reading role.

No answer is a 5xx, and a rejected request leaves the ledger's head where it was. Each case is counted,
and so is each 5xx (which fails the test, after all cases are tried, with the first ones listed)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.rulebooks import Catalogue
from ledger.store import open_store
from tests.serving import Server, serving
from tests.signing import sign_in

ROOT = Path(__file__).resolve().parents[1]
YINCHUAN = (ROOT / "rulebooks" / "yinchuan-2018.toml").read_text(encoding="utf-8")
ROLES = ("office", "auditor", "unit:xingqing")
EXAMPLES = 60  # per operation and backend: about 1,700 cases a backend, well within a minute each
TIMEOUT = 30  # seconds without an answer: the server is stuck (as it was on deep drafts), counted as a 5xx

# --- strategies ----------------------------------------------------------------------------------------

NUMBERS = ["1e308", "-1e308", "5e-324", "-5e-324", "1" + "0" * 40, str(2**63 - 1), str(2**64), str(-(2**63)),
           "1e400", "-0", "0.00001", "1000000.0001", "NaN", "Infinity", "-Infinity", "nan", "inf", "1_000",
           "0x10", "1e", "٣", "１２"]  # fmt: skip
SENTINELS = ["", " ", "\t", "null", "None", "0", "-1", "%00", "\u2028", "日期", "2019-10-05\x00", "9" * 41]


def offsets() -> st.SearchStrategy[str]:
    """Every UTC offset from -23:59 to +23:59, with Z and none, and a few that are not offsets."""
    minutes = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
        lambda m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
    )
    return st.one_of(minutes, st.sampled_from(["", "Z", "z", "+24:00", "-00:00", "+0800", "+08:00:30"]))


def days() -> st.SearchStrategy[str]:
    """Calendar days at the ends of years 1 and 9999, the ledger's own range and past it, and any other."""
    edges = ["0001-01-01", "0001-12-31", "9999-01-01", "9999-12-31", "1949-09-30", "1949-10-01",
             "2099-12-31", "2100-01-01", "0000-01-01", "10000-01-01", "2019-02-29", "2020-02-29",
             "2019-13-01", "2019-00-10", "20191005", "2019-W40-6", "2019-278"]  # fmt: skip
    drawn = st.tuples(st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)).map(
        lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}"
    )
    usual = st.sampled_from(["2019-09-30", "2019-12-31", "2019-07-01"])  # so that some cases are answered
    return st.one_of(usual, st.sampled_from(edges), drawn)


def instants() -> st.SearchStrategy[str]:
    """Boundary instants: years 1 and 9999 (and any day) at every offset, with and without fractional
    seconds; bare dates; and text that only looks like a time."""
    times = st.tuples(st.integers(0, 24), st.integers(0, 59), st.integers(0, 60)).map(
        lambda t: f"T{t[0]:02d}:{t[1]:02d}:{t[2]:02d}"
    )
    micros = st.integers(0, 999_999).map(lambda f: f".{f:06d}")
    fractions = st.one_of(st.just(""), micros, st.sampled_from([".9999999", ".5", ","]))
    stamped = st.tuples(days(), times, fractions, offsets()).map("".join)
    return st.one_of(stamped, days(), st.sampled_from(NUMBERS + SENTINELS))


def periods() -> st.SearchStrategy[str]:
    years = st.one_of(st.sampled_from([0, 1, 1948, 1949, 2019, 2099, 2100, 9999]), st.integers(0, 9999))
    suffixes = st.sampled_from(["", "-H1", "-H2", "-H3", "-Q1", "-Q4", "-Q5", "-01", "-12", "-13", "-00"])
    formed = st.tuples(years, suffixes).map(lambda p: f"{p[0]:04d}{p[1]}")
    usual = st.sampled_from(["2019", "2019-Q3", "2019-H2"])
    odd = st.sampled_from(["10000", "0001-Q1", "9999", "2019-q3", "２０１９", *NUMBERS])
    return st.one_of(usual, formed, odd)


def texts(limit: int) -> st.SearchStrategy[str]:
    """Text at its length limit and one past it, in ASCII and in Chinese, or short and odd."""
    sized = st.tuples(st.sampled_from([limit, limit + 1]), st.sampled_from(["a", "信", "-", "%", "/"])).map(
        lambda t: t[1] * t[0]
    )
    return st.one_of(sized, st.text(min_size=0, max_size=limit + 1), st.sampled_from(SENTINELS))


def invalid_utf8() -> st.SearchStrategy[str]:
    """Percent-encoded bytes that are not UTF-8, for a query or a path."""
    return st.sampled_from(["%ff", "%c3%28", "%ed%a0%80", "%f8%88%80%80%80", "%80", "%fe%ff", "a%e4%bd"])


def deep_json(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def deep_toml(depth: int, kind: str) -> str:
    """A draft (the shipped yinchuan-2018) with a value or key nested `depth` deep."""
    nested = {
        "array": "x = " + "[" * depth + "]" * depth,
        "table": "x = " + "{a = " * depth + "1" + "}" * depth,
        "key": "x" + ".x" * depth + " = 1",
        "header": "[" + ".".join(["t"] * (depth + 1)) + "]",
    }[kind]
    return YINCHUAN.replace("cadence = ", nested + "\ncadence = ", 1)


def numeric_draft(value: str, where: str) -> str:
    places = {
        "points": ("points = { default = 5 }", f"points = {{ default = {value} }}"),
        "met": ("met = 10", f"met = {value}"),
        "version": ("version = 1", f"version = {value}"),
        "quota": ("quota = 90", f"quota = {value}"),
        "run": ("run = 2", f"run = {value}"),
    }
    old, new = places[where]
    return YINCHUAN.replace(old, new, 1)


def drafts() -> st.SearchStrategy[bytes]:
    """Drafts nested at and past the limit, with numbers out of every range, not UTF-8, or too long."""
    depths = st.sampled_from([1, 31, 32, 33, 200, 1200, 3000])
    deep = st.builds(deep_toml, depths, st.sampled_from(["array", "table", "key", "header"]))
    values = st.sampled_from([*NUMBERS, "1000000", "-1000000", "0.0001"])
    numeric = st.builds(numeric_draft, values, st.sampled_from(["points", "met", "version", "quota", "run"]))
    text = YINCHUAN.encode()
    too_long = text + b"#" * 2**20
    broken = st.sampled_from([b"\xff\xfe" + text, text[:-7] + b"\xc3\x28", b"", b"id = ", too_long])
    return st.one_of(deep.map(str.encode), numeric.map(str.encode), broken)


def acts() -> st.SearchStrategy[bytes]:
    """Act bodies past the schema: numbers out of every range, texts at and past their limits, deep
    nesting, bytes that are not UTF-8."""
    number = st.sampled_from(NUMBERS).map(lambda n: n.encode())
    violation = number.map(
        lambda n: b'{"type":"violation.recorded","occurred_on":"2019-05-05","unit":"xingqing",'
        b'"item":"x","points":' + n + b"}"
    )
    filing = {"type": "report.filed", "occurred_on": "2019-05-05", "unit": "xingqing", "report": "xingqing/r"}
    text = st.builds(lambda name, value: orjson.dumps({**filing, "title": "t", name: value}),
                     st.sampled_from(["title", "report", "id"]), texts(2000))  # fmt: skip
    task = {"type": "task.assigned", "occurred_on": "2019-05-05", "unit": "xingqing", "task": "t",
            "item": "x", "title": "t", "points": 1, "due_on": "2019-06-01"}  # fmt: skip
    dated = st.builds(lambda name, value: orjson.dumps({**task, name: value}),
                      st.sampled_from(["occurred_on", "due_on"]), days())  # fmt: skip
    depths = st.sampled_from([100, 1023, 1024, 1025, 5000, 100_000])
    deep = st.builds(deep_json, depths, st.sampled_from(["array", "object"]))
    raw = st.sampled_from([b"\xff\xfe{}", b'{"type": "report.filed\xc3\x28"}', b"NaN", b"[NaN]", b"1e999",
                           b"[" + b"1," * 10_001 + b"1]", b"{}" * 2, b""])  # fmt: skip
    return st.one_of(violation, text, dated, deep, raw)


# --- the run -----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Cases tried per operation, and every 5xx seen (a request the server never answered counts too)."""

    tried: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def send(self, operation: str, request: Callable[[], httpx.Response], sent: str) -> httpx.Response | None:
        """Make the request and count it: the answer, or None when none came."""
        self.tried[operation] = self.tried.get(operation, 0) + 1
        try:
            answer = request()
        except httpx.TransportError as e:
            self.errors.append(f"{operation} {sent[:200]!r}: no answer ({type(e).__name__})")
            return None
        self.statuses[operation][answer.status_code] += 1
        if answer.status_code >= 500:
            self.errors.append(f"{operation} {sent[:200]!r}: {answer.status_code} {answer.text[:200]}")
        return answer


def fuzz(strategy: st.SearchStrategy[Any], send: Callable[[Any], None]) -> None:
    """Send EXAMPLES cases drawn from `strategy` (each `send` counts itself in the tally)."""

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        send(case)

    run()


def post_whatif_form(client: httpx.Client, csrf: str, form: dict[str, str]) -> httpx.Response:
    """POST the what-if form as a signed-in reader would, with the session's CSRF token (the one place
    pages are posted to; signing in is `tests.signing`'s)."""
    return client.post("/whatif", data={**form, "csrf": csrf})


def seed(server: Server) -> None:
    with server.client() as office:
        answer = office.post("/v1/events", json=[
            {"id": "u-xq", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xingqing",
             "name": "兴庆区", "class": "county"},
            {"id": "u-jf", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "jinfeng",
             "name": "金凤区", "class": "county"},
            {"id": "f-1", "type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
             "report": "xingqing/r1", "title": "兴庆区信息"},
            {"id": "a-1", "type": "report.adopted", "occurred_on": "2019-07-10", "report": "xingqing/r1",
             "publication": "yinchuan-zwxx", "form": "item"},
        ])  # fmt: skip
        assert answer.status_code == 201, answer.text


def test_no_input_past_the_schema_makes_a_server_error(database_url: str) -> None:
    """Every operation and page, sent boundary instants, dates, periods, numbers, nesting, texts at their
    limits and bytes that are not UTF-8 by each reading role, answers below 500; a rejected append leaves
    the ledger's head unchanged, and reads change nothing."""
    tally = Tally()
    catalogue = Catalogue.load()
    with (
        serving(database_url) as server,
        open_store(database_url, catalogue.publications(), catalogue.items()) as store,
    ):
        seed(server)
        api = {role: server.client(role, timeout=TIMEOUT) for role in ROLES}
        pages = httpx.Client(base_url=server.url, timeout=TIMEOUT)
        csrf = sign_in(pages, server.tokens["office"])
        usual = {"base": "yinchuan-2018", "period": "2019"}
        controls = [  # well-formed requests, answered: the fuzz below is signed in and reaches the scoring
            api["auditor"].get("/v1/scores", params={"rulebook": "yinchuan-2018", "period": "2019"}),
            api["office"].post("/v1/whatif", params=usual, content=YINCHUAN.encode()),
            post_whatif_form(pages, csrf, {**usual, "source": "catalogue", "draft": "yinchuan-2018"}),
        ]
        assert [c.status_code for c in controls] == [200, 200, 200], [c.text[:300] for c in controls]
        start = store.head()
        role = st.sampled_from(ROLES)

        def get(operation: str, client: httpx.Client, url: str) -> None:
            tally.send(operation, lambda: client.get(url), url)

        def query(path: str, params: st.SearchStrategy[dict[str, str]], operation: str = "") -> None:
            """GET `path` with drawn query parameters, by each role."""
            operation = operation or f"GET {path}"
            fuzz(st.tuples(role, params), lambda c: get(operation, api[c[0]], f"{path}?{_query(c[1])}"))

        def one(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
            return values.map(lambda v: {name: v})

        # GET /v1/events: each filter alone, bytes that are not UTF-8, and the NDJSON stream.
        filters = {"recorded_from": instants(), "recorded_to": instants(), "occurred_from": days(),
                   "occurred_to": days(), "unit": texts(64), "report": texts(128), "type": texts(20),
                   "after": st.sampled_from(NUMBERS), "limit": st.sampled_from(NUMBERS)}  # fmt: skip
        for name, values in filters.items():
            query("/v1/events", one(name, values), f"GET /v1/events {name}")
        raw = st.tuples(role, invalid_utf8())
        fuzz(raw, lambda c: get("GET /v1/events", api[c[0]], f"/v1/events?recorded_to={c[1]}&unit={c[1]}"))
        fuzz(st.tuples(role, instants(), instants()), lambda c: _ndjson(tally, api[c[0]], c[1], c[2]))

        # The other reads.
        books = st.one_of(st.sampled_from(["yinchuan-2018", "district-info", "yingdong-2012@1"]), texts(100))
        optional = {"as_of": days(), "known_at": instants(), "unit": texts(64), "fresh": st.just("1")}
        scores = st.fixed_dictionaries({"rulebook": books, "period": periods()}, optional=optional)
        query("/v1/scores", scores)
        query("/v1/units", one("x", st.sampled_from(SENTINELS)))
        query("/v1/rulebooks", one("x", st.sampled_from(SENTINELS)))
        named = st.one_of(texts(64), invalid_utf8(), st.sampled_from(["xingqing", "..", "%2e%2e", "a/b"]))
        for path in ("/v1/units/", "/v1/rulebooks/"):

            def by_name(case: tuple[str, str], path: str = path) -> None:
                get(f"GET {path}{{}}", api[case[0]], path + _segment(case[1]))

            fuzz(st.tuples(role, named), by_name)
        fuzz(st.sampled_from(SENTINELS), lambda c: get("GET /healthz", pages, f"/healthz?x={quote(c)}"))

        # POST /v1/whatif: drawn parameters by each role, and drawn drafts.
        whatif = st.fixed_dictionaries(
            {"base": st.one_of(st.just("yinchuan-2018"), texts(100)), "period": periods()},
            optional={"as_of": days(), "known_at": instants()},
        )
        fuzz(st.tuples(role, whatif), lambda c: _whatif(tally, api[c[0]], c[1], YINCHUAN.encode()))
        fuzz(drafts(), lambda c: _whatif(tally, api["office"], usual, c))

        # POST /v1/events: a rejected append leaves the head where it was.
        def append(body: bytes) -> None:
            before = store.head()
            json = {"Content-Type": "application/json"}
            post = api["office"].post
            answer = tally.send("POST /v1/events", lambda: post("/v1/events", content=body, headers=json), "")
            if answer is None or answer.status_code >= 400:
                assert store.head() == before, f"a rejected append changed the head: {body[:200]!r}"

        fuzz(acts(), append)
        written = store.head()

        # The pages, signed in: the pickers, a unit named anyhow, and the what-if form.
        picks = {"rulebook": texts(100), "period": periods(), "as_of": days(), "known_at": instants()}
        for path in ("/", "/units/xingqing", "/units/jinfeng", "/whatif", "/rulebooks"):

            def picked(case: dict[str, str], path: str = path) -> None:
                get(f"GET {path}", pages, f"{path}?{_query(case)}")

            fuzz(st.fixed_dictionaries({}, optional=picks), picked)
        for path in ("/units/", "/rulebooks/", "/static/"):

            def named_page(case: str, path: str = path) -> None:
                get(f"GET {path}{{}}", pages, path + _segment(case))

            fuzz(named, named_page)
        fuzz(texts(200), lambda c: get("GET /login", pages, f"/login?{_query({'next': c, 'expired': c})}"))
        form = st.fixed_dictionaries(
            {"base": st.one_of(st.just("yinchuan-2018"), texts(100)), "period": periods(),
             "source": st.sampled_from(["toml", "catalogue", "x"]), "draft": st.just("yinchuan-2018")},
            optional={"as_of": days(), "known_at": instants(),
                      "draft_toml": drafts().map(lambda d: d.decode("utf-8", "replace"))},
        )  # fmt: skip
        fuzz(form, lambda c: tally.send("POST /whatif", lambda: post_whatif_form(pages, csrf, c), str(c)))
        assert store.head() == written, "a read, a what-if or a page changed the ledger"
        for client in (*api.values(), pages):
            client.close()

    tried = sum(tally.tried.values())
    print(f"\nedges ({database_url.split(':')[0]}): {tried} cases tried over {len(tally.tried)} operations, "
          f"{len(tally.errors)} 5xx seen; head {start} -> {written}")  # fmt: skip
    for operation, seen in sorted(tally.statuses.items()):
        print(f"  {operation}: {dict(sorted(seen.items()))}")
    assert not tally.errors, "\n".join(tally.errors[:10])
    assert tried >= 20 * len(tally.tried)


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params.items())


def _segment(value: str) -> str:
    """A path segment: as given when it is already percent-encoded (bytes that are not UTF-8)."""
    return value if re.fullmatch(r"(?:[a-z.]|%[0-9a-fA-F]{2})+", value) else quote(value, safe="")


def _ndjson(tally: Tally, client: httpx.Client, since: str, until: str) -> None:
    query = _query({"recorded_from": since, "recorded_to": until})
    request = client.build_request("GET", "/v1/events?" + query, headers={"Accept": "application/x-ndjson"})
    tally.send("GET /v1/events ndjson", lambda: client.send(request), query)


def _whatif(tally: Tally, client: httpx.Client, params: dict[str, str], draft: bytes) -> None:
    url, toml = "/v1/whatif?" + _query(params), {"Content-Type": "application/toml"}
    sent = f"{params} {draft[:120]!r}"
    tally.send("POST /v1/whatif", lambda: client.post(url, content=draft, headers=toml), sent)



def test_a_deep_draft_leaves_the_server_answering(sqlite_url: str) -> None:
    """A draft nested 1,200 or 3,000 deep sent to a served ledger is a 422 naming the line, and the server
    answers the next request (before, the first such draft was a 500 and the server answered nothing more,
    /healthz included)."""
    with serving(sqlite_url, roles=("office",)) as server, server.client(timeout=TIMEOUT) as office:
        for kind, depth in (("array", 1200), ("table", 1200), ("array", 3000), ("key", 100_000)):
            answer = office.post(
                "/v1/whatif", params={"base": "yinchuan-2018", "period": "2019"},
                content=deep_toml(depth, kind).encode(), headers={"Content-Type": "application/toml"},
            )  # fmt: skip
            assert answer.status_code == 422, (kind, depth, answer.text)
            assert "超过 32 层" in answer.json()["detail"] and "第 11 行" in answer.json()["detail"]
            assert httpx.get(f"{server.url}/healthz", timeout=TIMEOUT).status_code == 200
