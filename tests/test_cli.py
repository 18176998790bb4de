"""End-to-end: the real `ledger` command on a sample city-year, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from ledger.render import columns

ROOT = Path(__file__).resolve().parents[1]


def ledger(*args: str, db: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "ledger", *args, "--db", db],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"ledger {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled generator's city-year, as a JSONL file."""
    spec = importlib.util.spec_from_file_location("sample_year", ROOT / "scripts" / "sample_year.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("sample") / "yinchuan-2019.jsonl"
    module.main(["--year", "2019", "--seed", "7", "--out", str(path)])
    return path


def test_import_then_reimport_changes_nothing(sample: Path, database_url: str) -> None:
    """Importing a file stores every act once; importing it again reports every act as a duplicate."""
    lines = sum(1 for line in sample.read_text().splitlines() if line.strip())
    first = ledger("import", str(sample), db=database_url)
    assert f"共 {lines} 条行为：新增 {lines} 条，重复 0 条" in first.stdout
    second = ledger("import", str(sample), db=database_url)
    assert f"共 {lines} 条行为：新增 0 条，重复 {lines} 条" in second.stdout
    events = ledger("events", db=database_url).stdout.splitlines()
    assert len(events) == lines
    positions = [json.loads(e)["position"] for e in events]
    assert positions == list(range(1, lines + 1))


def test_score_json_is_explained_ranked_and_reproducible(sample: Path, database_url: str) -> None:
    """The year's JSON names the rulebook, ranks units, and each unit's lines sum to its total."""
    ledger("import", str(sample), db=database_url)
    args = ("score", "--rulebook", "yinchuan-2018", "--period", "2019", "--format", "json")
    known = ("--known-at", "2030-01-01T00:00:00Z")
    first = ledger(*args, *known, db=database_url).stdout
    assert ledger(*args, *known, db=database_url).stdout == first
    document = json.loads(first)
    assert document["rulebook"]["id"] == "yinchuan-2018"
    assert len(document["rulebook"]["sha256"]) == 64
    assert document["period"] == "2019" and document["as_of"] == "2019-12-31"
    units = document["units"]
    assert len(units) > 50
    totals = [u["total"] for u in units]
    assert totals == sorted(totals, reverse=True)
    for place, unit in enumerate(units, start=1):
        assert round(sum(line["points"] for line in unit["lines"]), 4) == unit["total"]
        same = [u for u in units if u["total"] == unit["total"]]
        assert unit["rank"] == min(units.index(u) for u in same) + 1 <= place
        assert "performance_adjustment" in unit["metrics"]
        assert all(line["events"] or line["points"] == 0 for line in unit["lines"])


def test_a_year_is_the_sum_of_its_quarters(sample: Path, sqlite_url: str) -> None:
    """Under a quarterly rulebook the year's total is the sum of the four quarters' totals."""
    ledger("import", str(sample), db=sqlite_url)
    known = ("--known-at", "2030-01-01T00:00:00Z")

    def totals(period: str) -> dict[str, float]:
        out = ledger(
            "score",
            "--rulebook",
            "yinchuan-2018",
            "--period",
            period,
            "--format",
            "json",
            *known,
            db=sqlite_url,
        ).stdout
        return {u["unit"]: u["total"] for u in json.loads(out)["units"]}

    year = totals("2019")
    quarters = [totals(f"2019-Q{q}") for q in range(1, 5)]
    for unit, total in year.items():
        assert total == pytest.approx(sum(q.get(unit, 0) for q in quarters))


def test_table_csv_and_explain(sample: Path, sqlite_url: str) -> None:
    """The table, CSV and explanation name units, totals, clauses and the acts behind each line."""
    ledger("import", str(sample), db=sqlite_url)
    base = ("--rulebook", "yinchuan-2018", "--period", "2019-Q3")
    table = ledger("score", *base, db=sqlite_url).stdout
    assert "xingqing" in table and "sha256" in table
    csv = ledger("score", *base, "--format", "csv", db=sqlite_url).stdout.splitlines()
    assert csv[0].startswith("rank,unit,name,class,total,performance_adjustment")
    assert len(csv) > 50
    text = ledger("explain", "--unit", "xingqing", *base, db=sqlite_url).stdout
    assert "[9.1-quota]" in text and "[9.2-adoption]" in text and "行为：yc2019-" in text


def test_bad_file_is_refused_whole_with_line_and_field(tmp_path: Path, database_url: str) -> None:
    """A file with bad lines stores nothing and the error names each bad line and its field."""
    ledger("init", db=database_url)  # a ledger there already: a refused file leaves it as it was
    good = {
        "id": "u1",
        "type": "unit.registered",
        "occurred_on": "2019-01-01",
        "unit": "xq",
        "name": "兴庆区",
        "class": "county",
    }
    lines = [
        json.dumps(good, ensure_ascii=False),
        json.dumps(
            {"type": "report.filed", "occurred_on": "2019-02-30", "unit": "xq", "report": "R", "title": "t"}
        ),
        json.dumps(
            {
                "type": "report.filed",
                "occurred_on": "2019-02-03",
                "unit": "nobody",
                "report": "R",
                "title": "t",
            }
        ),
        "{not json",
    ]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ledger("import", str(bad), db=database_url, check=False)
    assert result.returncode == 1
    assert "第 2 行，字段 occurred_on" in result.stderr
    assert "第 4 行：不是有效的 JSON" in result.stderr
    assert "nothing was stored" in result.stderr
    assert ledger("events", db=database_url).stdout == ""


@pytest.mark.parametrize(
    ("option", "typed", "named"),
    [("--period", "2019/Q3", "期间 period 应为"), ("--as-of", "2019/13/9", "截止日期 as_of 应为")],
)
def test_a_bad_period_or_date_is_refused_in_chinese_quoting_what_was_typed(
    sqlite_url: str, option: str, typed: str, named: str
) -> None:
    """A period or as-of date that cannot be read exits 2 with one Chinese line naming the option's value
    and quoting the text as typed."""
    ledger("init", db=sqlite_url)
    args = {"--period": "2019", option: typed}
    flat = [word for pair in args.items() for word in pair]
    result = ledger("score", "--rulebook", "yinchuan-2018", *flat, db=sqlite_url, check=False)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"错误：{named}") and f"'{typed}'" in line, line


def test_a_date_in_a_file_that_is_no_day_is_refused_as_typed(tmp_path: Path, sqlite_url: str) -> None:
    """An act dated 2019/13/9 in a JSON Lines file is refused in Chinese, naming its line and field and
    quoting the date as typed; nothing is stored."""
    ledger("init", db=sqlite_url)
    acts = [unit_act("xq"), filing_act(1, occurred_on="2019/13/9")]
    result = ledger("import", str(jsonl(tmp_path / "bad.jsonl", acts)), db=sqlite_url, check=False)
    assert result.returncode == 1
    assert "第 2 行，字段 occurred_on：应为 YYYY-MM-DD 格式的日期，而不是 '2019/13/9'" in result.stderr
    assert ledger("events", db=sqlite_url).stdout == ""


def test_clear_errors_for_unknown_rulebook_period_and_database(sqlite_url: str) -> None:
    """Unknown rulebooks, malformed periods and bad database URLs get one clear line, not a traceback."""
    ledger("init", db=sqlite_url)
    result = ledger("score", "--rulebook", "nope", "--period", "2019", db=sqlite_url, check=False)
    assert result.returncode == 2 and "未知的考核办法 'nope'" in result.stderr
    result = ledger("score", "--rulebook", "yinchuan-2018", "--period", "2019-13", db=sqlite_url, check=False)
    assert result.returncode == 2 and "期间 period 中的月份 13 不存在：'2019-13'" in result.stderr
    result = ledger("score", "--rulebook", "yinchuan-2018", "--period", "2019-07", db=sqlite_url, check=False)
    assert result.returncode == 2 and "期间 2019-07 短于考核办法的计分周期（按季度）" in result.stderr
    result = ledger("events", db="mysql://x", check=False)
    assert result.returncode == 2 and "应为 sqlite:///路径 或 postgresql://" in result.stderr
    assert "Traceback" not in result.stderr


def test_instants_out_of_range_exit_2_naming_the_option(sqlite_url: str) -> None:
    """A known-at time past year 9999 (or before year 1) exits 2 with one line naming it, not a traceback."""
    ledger("init", db=sqlite_url)
    out = str(Path(sqlite_url.removeprefix("sqlite:///")).with_name("b.html"))
    late, early = "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00"
    for args in (
        ("score", "--rulebook", "yinchuan-2018", "--period", "2019", "--known-at", late),
        ("events", "--known-at", early),
        ("bulletin", "--rulebook", "yinchuan-2018", "--period", "2019-Q3", "--known-at", early, "--out", out),
    ):
        result = ledger(*args, db=sqlite_url, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert "known_at 超出可表示的范围" in result.stderr and "Traceback" not in result.stderr


def test_rulebooks_lists_every_shipped_version(sqlite_url: str) -> None:
    """`ledger rulebooks` lists each shipped rulebook with its version, window and sha256."""
    out = subprocess.run(
        [sys.executable, "-m", "ledger", "rulebooks", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    books = {b["id"]: b for b in json.loads(out)}
    assert {"yinchuan-2018", "district-info", "county-info"} <= set(books)
    assert books["yinchuan-2018"]["effective_from"] == "2018-06-01"
    assert books["yinchuan-2018"]["document"] == "银政办发〔2018〕94号"


def test_events_filters(sample: Path, sqlite_url: str) -> None:
    """`ledger events` filters by unit, type and occurred_on range."""
    ledger("import", str(sample), db=sqlite_url)
    out = ledger(
        "events",
        "--unit",
        "xingqing",
        "--type",
        "report.filed",
        "--from",
        "2019-07-01",
        "--to",
        "2019-09-30",
        db=sqlite_url,
    ).stdout
    acts = [json.loads(line) for line in out.splitlines()]
    assert acts and all(a["unit"] == "xingqing" and a["type"] == "report.filed" for a in acts)
    assert all("2019-07-01" <= a["occurred_on"] <= "2019-09-30" for a in acts)


def test_reimporting_a_file_without_ids_changes_nothing(tmp_path: Path, sqlite_url: str) -> None:
    """Acts without ids get ids derived from their content, so a second import stores nothing new,
    while two identical acts in one file both count."""
    register = {"type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
                "class": "county"}  # fmt: skip
    missed = {"type": "commission.missed", "occurred_on": "2019-03-01", "unit": "xq"}
    path = tmp_path / "no-ids.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in (register, missed, missed)) + "\n")
    assert "共 3 条行为：新增 3 条，重复 0 条" in ledger("import", str(path), db=sqlite_url).stdout
    assert "共 3 条行为：新增 0 条，重复 3 条" in ledger("import", str(path), db=sqlite_url).stdout
    assert len(ledger("events", db=sqlite_url).stdout.splitlines()) == 3


def test_import_names_the_line_of_an_unknown_item(tmp_path: Path, sqlite_url: str) -> None:
    """`ledger import` refuses a file whose violation names no rulebook's item, naming its line and field."""
    ledger("init", db=sqlite_url)  # a ledger there already: a refused file leaves it as it was
    register = {"type": "unit.registered", "occurred_on": "2021-01-01", "unit": "xq", "name": "兴庆区",
                "class": "county"}  # fmt: skip
    find = {"type": "violation.recorded", "occurred_on": "2021-03-01", "unit": "xq", "item": "xw-1.9-nwes"}
    path = tmp_path / "find.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in (register, find)) + "\n")
    bad = ledger("import", str(path), db=sqlite_url, check=False)
    assert bad.returncode == 1
    assert "第 2 行，字段 item：未知的考核项目 'xw-1.9-nwes'（最接近的：xw-1.9-news" in bad.stderr
    assert ledger("events", db=sqlite_url).stdout == ""


def test_import_a_register_and_write_templates(tmp_path: Path, sqlite_url: str) -> None:
    """`ledger template` writes the blank registers; `ledger import` takes a filled CSV register and
    names each bad row by number and Chinese column."""
    result = subprocess.run(
        [sys.executable, "-m", "ledger", "template", "--out", str(tmp_path / "t")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert "报送登记.xlsx" in result.stdout
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,单位类别,登记日期\nxq,兴庆区,county,2019/1/1\n", encoding="utf-8")
    assert "新增 1 条" in ledger("import", str(units), db=sqlite_url).stdout
    filings = tmp_path / "filings.csv"
    filings.write_text("报送日期,报送单位,信息编号,标题\n2019-03-01,xq,R1,标题\n2019-03-01,nobody,R2,标题\n")
    bad = ledger("import", str(filings), db=sqlite_url, check=False)
    assert bad.returncode == 1 and "第 3 行，报送单位（unit）列：未知的单位 'nobody'" in bad.stderr
    assert len(ledger("events", db=sqlite_url).stdout.splitlines()) == 1


def test_export_then_import_into_an_empty_ledger_reproduces_the_chain(sample: Path, tmp_path: Path) -> None:
    """`ledger export` then `ledger import` of that file into an empty ledger gives the same acts,
    positions, recorded times and hashes, and `ledger verify` says the chain is intact."""
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    ledger("import", str(sample), db=first)
    exported = tmp_path / "export.jsonl"
    ledger("export", "--out", str(exported), db=first)
    restored = ledger("import", str(exported), db=second)
    assert "条行为；哈希链核验" in restored.stdout and "哈希链完好" in restored.stdout
    again = tmp_path / "again.jsonl"
    ledger("export", "--out", str(again), db=second)
    assert again.read_bytes() == exported.read_bytes()
    assert "完好：" in ledger("verify", db=second).stdout


READING = [
    ("score", "--rulebook", "yinchuan-2018", "--period", "2019"),
    ("explain", "--unit", "xingqing", "--rulebook", "yinchuan-2018", "--period", "2019-Q3"),
    ("events",),
    ("export",),
    ("verify",),
    ("whatif", "--base", "yinchuan-2018", "--draft", "yinchuan-2018", "--period", "2019"),
    ("bulletin", "--rulebook", "yinchuan-2018", "--period", "2019-Q3", "--out", "{tmp}/q3.html"),
    ("bulletin", "verify", "{tmp}/q3.html.manifest.json"),
    ("checkpoint", "--key", "{tmp}/k/checkpoint.key", "--out", "{tmp}/cp.json"),
    ("project", "--rulebook", "yinchuan-2018", "--once"),
    ("token", "list"),
    ("token", "revoke", "someone"),
    ("token", "create", "--role", "office", "--name", "信息科"),
    ("serve", "--port", "0"),
]


def nothing_made(url: str, tmp_path: Path) -> bool:
    """Whether no trace of a ledger is at the URL: for SQLite neither the file nor its directory, for
    PostgreSQL not even the schema."""
    if url.startswith("sqlite:///"):
        return not Path(url.removeprefix("sqlite:///")).parent.exists()
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
        return found.fetchone() is None


def test_reading_commands_refuse_a_ledger_that_is_not_there(database_url: str, tmp_path: Path) -> None:
    """Every command but import, restore and init refuses a URL where no ledger is (a mistyped SQLite
    path, a PostgreSQL schema without the ledger's tables) with exit 2 and a Chinese message naming the
    URL and what to do, and makes nothing there: no file, no directory, no schema, no table."""
    subprocess.run([sys.executable, "-m", "ledger", "checkpoint", "key", "--out", str(tmp_path / "k")],
                   check=True, capture_output=True, cwd=ROOT)  # fmt: skip
    sqlite = database_url.startswith("sqlite")
    url = f"sqlite:///{tmp_path / 'missing' / 'legder.db'}" if sqlite else database_url
    for command in READING:
        args = [a.format(tmp=tmp_path) for a in command]
        result = ledger(*args, db=url, check=False)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert f"没有账本：{url} " in result.stderr, (args, result.stderr)
        assert "新建请用 ledger init，或 ledger import 导入" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == "", (args, result.stdout)
        assert nothing_made(url, tmp_path), args
    if sqlite:  # a ledger beside the mistyped name: the message suggests it
        ledger("init", db=f"sqlite:///{tmp_path / 'typo' / 'ledger.db'}")
        typo = f"sqlite:///{tmp_path / 'typo' / 'legder.db'}"
        result = ledger("score", "--rulebook", "yinchuan-2018", "--period", "2019", db=typo, check=False)
        assert result.returncode == 2
        assert f"是不是 sqlite:///{tmp_path / 'typo' / 'ledger.db'}？" in result.stderr
        assert not (tmp_path / "typo" / "legder.db").exists()
    print(f"{len(READING)} commands refused on {url.split(':')[0]}, nothing made")


def test_init_makes_a_ledger_once_and_reading_commands_open_it(database_url: str, tmp_path: Path) -> None:
    """`ledger init` makes an empty ledger (and its directory) and says so; run again it says the ledger is
    there and changes nothing; the reading commands then open it."""
    sqlite = database_url.startswith("sqlite")
    url = f"sqlite:///{tmp_path / 'new' / 'dir' / 'ledger.db'}" if sqlite else database_url
    made = ledger("init", db=url)
    assert made.stdout.startswith(f"已新建账本：{url}")
    again = ledger("init", db=url)
    assert again.stdout.startswith(f"账本已存在：{url}，有 0 条行为，未作改动")
    assert ledger("events", db=url).stdout == ""
    assert "完好：0 条行为" in ledger("verify", db=url).stdout


def test_a_refused_import_leaves_no_ledger_where_there_was_none(tmp_path: Path, database_url: str) -> None:
    """An import (or restore) of a bad file into a URL where no ledger was is refused, and the ledger
    opened for it is removed again: no file, no directory, no schema; reading commands still say there is
    no ledger. Into a ledger that was there, a refused import leaves it as it was."""
    sqlite = database_url.startswith("sqlite")
    url = f"sqlite:///{tmp_path / 'new' / 'deep' / 'ledger.db'}" if sqlite else database_url
    bad = jsonl(tmp_path / "bad.jsonl", [unit_act("xq"), filing_act(1, unit="nobody")])
    refused = ledger("import", str(bad), db=url, check=False)
    assert refused.returncode == 1 and "第 2 行，字段 unit" in refused.stderr, refused.stderr
    assert nothing_made(url, tmp_path)
    assert "没有账本" in ledger("score", "--rulebook", "yinchuan-2018", "--period", "2019", db=url,
                                check=False).stderr  # fmt: skip
    export = tmp_path / "broken-export.jsonl"
    export.write_text('{"position": 1, "recorded_at": "x", "chain": "y", "type": "unit.registered"}\n')
    assert ledger("restore", str(export), db=url, check=False).returncode != 0
    assert nothing_made(url, tmp_path)
    ledger("init", db=url)
    assert ledger("import", str(bad), db=url, check=False).returncode == 1
    assert ledger("verify", db=url).stdout.startswith("完好：0 条行为")  # the ledger that was there stays


def jsonl(path: Path, acts: list[dict[str, object] | str]) -> Path:
    path.write_text(
        "".join((a if isinstance(a, str) else json.dumps(a, ensure_ascii=False)) + "\n" for a in acts),
        encoding="utf-8",
    )
    return path


def unit_act(slug: str, **changes: object) -> dict[str, object]:
    act = {
        "type": "unit.registered",
        "occurred_on": "2019-01-01",
        "unit": slug,
        "name": slug,
        "class": "county",
    }
    return {"id": f"u-{slug}", **act, **changes}


def filing_act(k: int, **changes: object) -> dict[str, object]:
    act = {
        "type": "report.filed",
        "occurred_on": "2019-03-01",
        "unit": "xq",
        "report": f"R{k}",
        "title": "标题",
    }
    return {"id": f"f{k}", **act, **changes}


def adoption_act(act_id: str, report: str) -> dict[str, object]:
    act = {
        "type": "report.adopted",
        "occurred_on": "2019-03-02",
        "publication": "yinchuan-zwxx",
        "form": "item",
    }
    return {"id": act_id, **act, "report": report}


def test_every_bad_line_of_a_file_is_named_in_one_run(tmp_path: Path, database_url: str) -> None:
    """A JSON Lines file with shape errors (unknown type, bad date, unknown field, not JSON) on some lines
    and reference errors (unknown unit, unknown report, void of an unknown act, an id reused with other
    content) on others, in several parts of 5,000, is refused in one run naming every bad line and field,
    with a reference to a report filed on a bad line told as depending on that line; nothing is stored."""
    ledger("import", str(jsonl(tmp_path / "seed.jsonl", [unit_act("xq"), filing_act(0)])), db=database_url)
    acts: list[dict[str, object] | str] = [filing_act(k) for k in range(1, 12_001)]
    void = {"id": "v1", "type": "event.voided", "occurred_on": "2019-03-02", "target": "zz", "reason": "录错"}
    bad: dict[int, tuple[dict[str, object] | str, str | None]] = {
        3: ({**filing_act(3), "type": "report.fild"}, "type"),
        5: (filing_act(5, occurred_on="2019-02-30"), "occurred_on"),
        4_999: (filing_act(4_999, colour="red"), "colour"),
        5_001: ('{"type": "report.filed",', None),
        5_003: (filing_act(5_003, unit="nobody"), "unit"),
        7_000: (adoption_act("a1", "R-none"), "report"),
        9_000: (void, "target"),
        11_000: (filing_act(0, title="另一标题"), "id"),
        11_500: (adoption_act("a2", "R5"), "report"),
    }
    for line, (act, _) in bad.items():
        acts[line - 1] = act
    result = ledger("import", str(jsonl(tmp_path / "bad.jsonl", acts)), db=database_url, check=False)
    assert result.returncode == 1
    for line, (_, field) in bad.items():
        said = f"第 {line} 行，字段 {field}：" if field else f"第 {line} 行："
        assert said in result.stderr, (said, result.stderr)
    assert f"{len(bad)} 处错误，未存入任何行为" in result.stderr
    depends = (
        "第 11500 行，字段 report：未知的报送 'R5' (unknown report 'R5')"
        "（它定义在第 5 行，而那一行本身有误"
    )
    assert depends in result.stderr
    assert len(ledger("events", db=database_url).stdout.splitlines()) == 2
    print(f"{len(acts)} lines, {len(bad)} bad, all named in one run")


def test_many_bad_lines_list_the_first_hundred_and_count_all(tmp_path: Path, sqlite_url: str) -> None:
    """A file with 1,500 bad lines lists the first 100 by line, says how many more there are and the
    full count, and stores nothing."""
    ledger("init", db=sqlite_url)  # a ledger there already: a refused file leaves it as it was
    acts: list[dict[str, object] | str] = [unit_act("xq")]
    acts += [
        filing_act(k, unit="nobody") if k % 2 else filing_act(k, occurred_on="2019-13-01")
        for k in range(1500)
    ]
    result = ledger("import", str(jsonl(tmp_path / "bad.jsonl", acts)), db=sqlite_url, check=False)
    assert result.returncode == 1
    assert "1500 处错误，未存入任何行为（1500 bad act(s); nothing was stored）" in result.stderr
    listed = [line for line in result.stderr.splitlines() if line.startswith("  第 ")]
    assert [int(line.split()[1].rstrip(",:")) for line in listed] == list(range(2, 102))
    assert "另有 1400 处错误未列出 (... and 1400 more)" in result.stderr
    assert ledger("events", db=sqlite_url).stdout == ""


def test_a_workbook_names_rows_that_depend_on_a_bad_row(tmp_path: Path, database_url: str) -> None:
    """An XLSX register whose 单位登记 sheet has a bad row and whose 报送登记 sheet names that unit is
    refused in one run naming both rows, the second as depending on the first; nothing is stored."""
    ledger("init", db=database_url)  # a ledger there already: a refused file leaves it as it was
    import openpyxl

    book = openpyxl.Workbook()
    filings = book.active
    filings.title = "报送登记"
    for row in (["报送日期", "报送单位", "信息编号", "标题"], ["2019-03-01", "xq", "R1", "标题"],
                ["2019-03-02", "yn", "R2", "标题"], ["2019-13-01", "yn", "R3", "标题"]):  # fmt: skip
        filings.append(row)
    units = book.create_sheet("单位登记")
    for row in (["单位代码", "单位名称", "单位类别", "登记日期"], ["xq", "兴庆区", "county", "2019年2月30日"],
                ["yn", "永宁县", "county", "2019-01-01"]):  # fmt: skip
        units.append(row)
    path = tmp_path / "登记.xlsx"
    book.save(path)
    result = ledger("import", str(path), db=database_url, check=False)
    assert result.returncode == 1
    assert "登记.xlsx：3 行有误，未存入任何行为" in result.stderr
    assert "工作表 单位登记 第 2 行，登记日期（occurred_on）列" in result.stderr
    assert ("工作表 报送登记 第 2 行，报送单位（unit）列：未知的单位 'xq'，请先登记 "
            "(unknown unit 'xq' (register it first))（它定义在工作表 单位登记 第 2 行，而那一行本身有误"
            ) in result.stderr  # fmt: skip
    assert "工作表 报送登记 第 4 行，报送日期（occurred_on）列" in result.stderr
    assert "no ledger" not in result.stderr and ledger("events", db=database_url).stdout == ""


def wrong_files(folder: Path) -> list[tuple[Path, str]]:
    """Files of the wrong kind for `ledger import`, each with what its message must say."""
    act = json.dumps(unit_act("xq", name="兴庆区"), ensure_ascii=False)
    made: list[tuple[str, bytes, str]] = [
        (
            "array.json",
            f"[\n  {act},\n  {act}\n]\n".encode(),
            "这是一个 JSON 数组：应为 JSON Lines，每行一个行为",
        ),
        ("array.jsonl", f"[{act}, {act}]".encode(), "(a JSON array: expected JSON Lines, one act per line)"),
        ("pretty.jsonl", json.dumps(unit_act("xq"), indent=2).encode() + b"\n", "这是跨多行书写的 JSON"),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
            "这是 .xls 工作簿（Excel 97-2003 格式）：请另存为 .xlsx 或 CSV",
        ),
        ("old.jsonl", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "这是 .xls 工作簿"),
        ("utf16.jsonl", (act + "\n").encode("utf-16"), "这是 UTF-16 编码的文本：请另存为 UTF-8"),
        ("utf16.csv", "单位代码,单位名称,单位类别,登记日期\n".encode("utf-16"), "这是 UTF-16 编码的文本"),
        ("gbk.jsonl", (act + "\n").encode("gb18030"), "这是 GB18030（GBK）编码的文本：JSON Lines 须为 UTF-8"),
        ("empty.jsonl", b"", "文件是空的，没有可导入的行为"),
        ("blank.jsonl", b"\n  \n", "文件是空的"),
        (
            "acts.xlsx",
            (act + "\n").encode(),
            "这是 JSON 文本，文件名却以 .xlsx 结尾：JSON Lines 请命名为 .jsonl",
        ),
        ("register.jsonl", "报送日期,报送单位,信息编号,标题\n".encode(), "这像是 CSV 表格"),
    ]
    files = []
    for name, content, said in made:
        (folder / name).write_bytes(content)
        files.append((folder / name, said))
    subprocess.run([sys.executable, "-m", "ledger", "template", "--out", str(folder / "t")], check=True,
                   capture_output=True, cwd=ROOT)  # fmt: skip
    (folder / "t" / "报送登记.xlsx").rename(folder / "workbook.jsonl")
    files.append(
        (folder / "workbook.jsonl", "这是 .xlsx 工作簿，文件名却以 .jsonl 结尾：请把文件名改为 .xlsx")
    )
    (folder / "folder.jsonl").mkdir()
    files.append((folder / "folder.jsonl", "这是一个目录，不是文件"))
    return files


def test_a_file_of_the_wrong_kind_gets_one_message_and_nothing_is_made(
    tmp_path: Path, database_url: str
) -> None:
    """A JSON array, a JSON object over several lines, an .xls workbook (by its bytes, whatever its name),
    an .xlsx named .jsonl and JSON named .xlsx, UTF-16 and GB18030 text, an empty file and a directory
    each get one Chinese message saying what the file is and what to do (not one error per line), exit 2,
    and no ledger is made or changed."""
    sqlite = database_url.startswith("sqlite")
    url = f"sqlite:///{tmp_path / 'new' / 'ledger.db'}" if sqlite else database_url
    files = wrong_files(tmp_path)
    for path, said in files:
        result = ledger("import", str(path), db=url, check=False)
        assert result.returncode == 2, (path.name, result.stderr)
        assert said in result.stderr, (path.name, result.stderr)
        assert f"{path}：" in result.stderr and "未导入任何行为" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, (path.name, result.stderr)
        assert nothing_made(url, tmp_path), path.name
    restored = ledger("restore", str(files[0][0]), db=url, check=False)
    assert (
        restored.returncode == 2 and "这是一个 JSON 数组" in restored.stderr and nothing_made(url, tmp_path)
    )
    command = [sys.executable, "-m", "ledger", "import", "-", "--db", url]
    piped = subprocess.run(command, input=files[0][0].read_bytes(), capture_output=True, cwd=ROOT, timeout=60)
    assert (
        piped.returncode == 2
        and "这是一个 JSON 数组" in piped.stderr.decode()
        and nothing_made(url, tmp_path)
    )
    print(f"{len(files) + 2} wrong files, each one message, nothing made")


def test_a_utf8_file_beginning_with_a_byte_order_mark_imports(tmp_path: Path, sqlite_url: str) -> None:
    """JSON Lines saved by an editor that begins UTF-8 with a byte-order mark import as any other."""
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(unit_act("xq"), ensure_ascii=False).encode() + b"\n")
    assert "共 1 条行为：新增 1 条，重复 0 条" in ledger("import", str(path), db=sqlite_url).stdout


def test_empty_results_explain_themselves(tmp_path: Path, database_url: str) -> None:
    """An empty ledger, a known-at time before the first act, an as-of date before any unit was registered
    and filters that match nothing are each said on stderr in Chinese (exit 0 where a result is shown),
    while stdout stays the result alone: valid JSON, CSV or (empty) JSON Lines."""
    ledger("init", db=database_url)
    empty = "账本是空的：还没有记录任何行为，可用 ledger import 导入 (the ledger is empty)"
    year = ("--rulebook", "yinchuan-2018", "--period", "2019")
    scored = ledger("score", *year, "--format", "json", db=database_url)
    assert json.loads(scored.stdout)["units"] == [] and empty in scored.stderr
    verified = ledger("verify", db=database_url)
    assert "完好：0 条行为" in verified.stdout and "账本是空的：没有可核验的行为" in verified.stderr
    for command, said in (
        (("events",), empty),
        (("export",), "没有可导出的行为"),
        (("token", "list"), "还没有令牌"),
    ):
        result = ledger(*command, db=database_url)
        assert result.stdout == "" and said in result.stderr, (command, result.stderr)

    acts = [unit_act("xq", occurred_on="2019-01-01"), unit_act("yn", occurred_on="2019-02-01"), filing_act(1)]
    ledger("import", str(jsonl(tmp_path / "acts.jsonl", acts)), db=database_url)
    before = ("--rulebook", "yinchuan-2018", "--period", "2017")
    nobody = "截至 2017-12-31 没有登记的单位 (no units registered by 2017-12-31)：最早的单位登记于 2019-01-01"
    scored = ledger("score", *before, "--format", "json", db=database_url)
    assert json.loads(scored.stdout)["units"] == [] and nobody in scored.stderr
    table = ledger("score", *before, db=database_url)
    assert "yinchuan-2018" in table.stdout and nobody in table.stderr and nobody not in table.stdout
    early = "截至 2019-10-05T15:59:59Z 没有记录的行为：首个行为记录于 20"
    csv = ledger("score", *year, "--known-at", "2019-10-05", "--format", "csv", db=database_url)
    assert csv.stdout.splitlines()[0].startswith("rank,unit,") and len(csv.stdout.splitlines()) == 1
    assert early in csv.stderr
    whatif = ledger(
        "whatif", "--base", "yinchuan-2018", "--draft", "yinchuan-2018", *before[2:], db=database_url
    )
    assert nobody in whatif.stderr

    explained = ledger("explain", "--unit", "xq", *before, db=database_url, check=False)
    assert explained.returncode == 2 and nobody in explained.stderr
    typo = ledger("explain", "--unit", "xqq", *year, db=database_url, check=False)
    assert (
        typo.returncode == 2
        and "单位 'xqq' 截至 2019-12-31 未登记" in typo.stderr
        and "最接近的：xq" in typo.stderr
    )
    q1 = ("--rulebook", "yinchuan-2018", "--period", "2019-Q1", "--as-of", "2019-01-15")
    later = ledger("explain", "--unit", "yn", *q1, db=database_url, check=False)
    assert later.returncode == 2 and "单位 'yn' 截至 2019-01-15 未登记" in later.stderr
    assert "它登记于 2019-02-01" in later.stderr

    events = ledger("events", "--known-at", "2019-10-05", db=database_url)
    assert events.stdout == "" and early in events.stderr
    unmatched = ledger(
        "events", "--unit", "xq", "--type", "report.adopted", "--from", "2019-07-01", db=database_url
    )
    assert unmatched.stdout == ""
    assert "没有符合条件的行为：单位 xq，类型 report.adopted，发生于 2019-07-01 至 …" in unmatched.stderr
    unknown = ledger("events", "--unit", "xqq", "--report", "R9", db=database_url)
    assert "单位 'xqq' 未登记；最接近的：xq" in unknown.stderr and "信息 'R9' 从未报送" in unknown.stderr
    assert unknown.stdout == ""


def test_rulebooks_say_where_they_were_looked_for_when_none_is_found(tmp_path: Path) -> None:
    """`ledger rulebooks` in an installation without its rulebooks (the shipped directory pointed at an
    empty one) prints an empty list and says on stderr where it looked; a LEDGER_RULEBOOKS_PATH directory
    that is not there is named."""
    (tmp_path / "none").mkdir()
    program = (
        "import sys; from pathlib import Path; import ledger.rulebooks as r; "
        f"r.shipped_directory = lambda: Path({str(tmp_path / 'none')!r}); "
        "from ledger.cli import app; app(['rulebooks', '--format', 'json'])"
    )
    env = {**os.environ, "LEDGER_RULEBOOKS_PATH": str(tmp_path / "drafts")}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert f"没有找到任何考核办法：查找了 {tmp_path / 'none'}、{tmp_path / 'drafts'}" in result.stderr
    assert f"找不到考核办法目录 {tmp_path / 'drafts'}" in result.stderr


def test_explain_is_chinese_names_the_class_and_keeps_to_80_columns(tmp_path: Path, sqlite_url: str) -> None:
    """`ledger explain` gives the unit's class by the rulebook's name (县(市)区, not county), metrics by name,
    and folds the list of acts so that no line passes 80 columns."""
    acts = [
        {"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
         "class": "county"},
        *({"id": f"filing-number-{i:03}", "type": "report.filed", "occurred_on": "2019-07-02", "unit": "xq",
           "report": f"R{i}", "title": f"第{i}号"} for i in range(12)),
    ]  # fmt: skip
    path = tmp_path / "acts.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in acts) + "\n", encoding="utf-8")
    ledger("import", str(path), db=sqlite_url)
    text = ledger("explain", "--unit", "xq", "--rulebook", "yinchuan-2018", "--period", "2019-Q3",
                  db=sqlite_url).stdout  # fmt: skip
    assert "兴庆区（xq，县(市)区）：总分" in text and "county" not in text
    assert "指标 绩效扣分：" in text and "行为：filing-number-000、" in text
    wide = [line for line in text.splitlines() if columns(line) > 80]
    assert not wide, wide


def test_explain_folds_between_words_and_gives_known_at_in_china_time(
    tmp_path: Path, sqlite_url: str
) -> None:
    """`ledger explain` folds a long reason between words, never inside an act id or a time, names a
    not-counted act's type in Chinese, and gives its known-at in China time, as `ledger score` does."""
    void = "void-of-the-filing-with-a-long-identifier-2019"
    acts = [
        {"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
         "class": "county"},
        {"id": "f1", "type": "report.filed", "occurred_on": "2019-07-02", "unit": "xq", "report": "R1",
         "title": "第1号"},
        {"id": void, "type": "event.voided", "occurred_on": "2019-07-03", "target": "f1",
         "reason": "标题有误，重新报送；报送登记时所填写的标题与原件不一致，须作废后重新报送"},
    ]  # fmt: skip
    path = tmp_path / "acts.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in acts) + "\n", encoding="utf-8")
    ledger("import", str(path), db=sqlite_url)
    text = ledger("explain", "--unit", "xq", "--rulebook", "yinchuan-2018", "--period", "2019-Q3",
                  "--known-at", "2030-01-01T00:00:00Z", db=sqlite_url).stdout  # fmt: skip
    assert "已知于 2030-01-01 08:00（北京时间）" in text
    assert any(void in line for line in text.splitlines()), text
    assert "[报送]" in text and "[report.filed]" not in text
    assert all(columns(line) <= 80 for line in text.splitlines())


@pytest.mark.parametrize("command", [("whatif",), ("bulletin",), ("bulletin", "verify")])
def test_whatif_and_bulletin_help_is_chinese_and_whole_at_80_columns(command: tuple[str, ...]) -> None:
    """`ledger whatif --help` and `ledger bulletin [verify] --help` are in Chinese, each option's help too,
    and at 80 columns nothing is cut short with "…"."""
    env = {**os.environ, "COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-m", "ledger", *command, "--help"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "用法：" in result.stdout and "…" not in result.stdout
    assert all(columns(line) <= 80 for line in result.stdout.splitlines())
    said = {
        "whatif": ("假设分析", "现行考核办法", "草案："),
        "bulletin": ("生成《政务信息采用情况通报》", "考核办法 ID", "要写出的通报文件"),
        "verify": ("按清单重新生成通报", "退出码", "清单中检查点的签名"),
    }[command[-1]]
    for words in said:
        assert words in result.stdout, (words, result.stdout)
    assert "The rulebook" not in result.stdout and "Make a bulletin" not in result.stdout
