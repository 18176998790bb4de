"""Rulebooks as data: each file loads, is identified by its bytes, and a bad draft is named precisely."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from ledger.errors import NotFound, RulebookError
from ledger.rulebooks import MAX_TEXT, Catalogue, load_rulebook, parse_rulebook, shipped_directory

SHIPPED = sorted(shipped_directory().glob("*.toml"))
TEST_RULEBOOKS = Path(__file__).parent / "rulebooks"
COUNTY = (shipped_directory() / "county-info.toml").read_text(encoding="utf-8")
YINCHUAN = (shipped_directory() / "yinchuan-2018.toml").read_text(encoding="utf-8")


def test_the_three_seed_rulebooks_are_shipped() -> None:
    """yinchuan-2018, district-info and county-info ship with the package, and the catalogue knows them."""
    assert {p.stem for p in SHIPPED} >= {"yinchuan-2018", "district-info", "county-info"}
    assert {b.ref for b in Catalogue.load([shipped_directory()]).all()} >= {
        "yinchuan-2018@1",
        "district-info@1",
        "county-info@1",
    }


@pytest.mark.parametrize("path", SHIPPED + sorted(TEST_RULEBOOKS.glob("*.toml")), ids=lambda p: p.name)
def test_every_rulebook_loads_and_is_identified_by_the_sha256_of_its_bytes(path: Path) -> None:
    """Each file validates, and its identity is (id, version, sha256 of the file's exact bytes)."""
    book = load_rulebook(path)
    assert book.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert book.identity() == {"id": book.id, "version": book.version, "sha256": book.sha256}
    assert book.source == str(path)
    for clause in book.model.clauses:
        assert clause.wording.strip(), f"{path.name}: clause {clause.id} quotes no seed text"


CJK, LATIN_WORDS = re.compile(r"[\u3400-\u9fff]"), re.compile(r"[A-Za-z]+")


def mostly_chinese(text: str) -> bool:
    """More Chinese characters than Latin words (a Chinese text may name codes, such as weighted_total)."""
    return len(CJK.findall(text)) > len(LATIN_WORDS.findall(text))


@pytest.mark.parametrize("path", SHIPPED + sorted(TEST_RULEBOOKS.glob("*.toml")), ids=lambda p: p.name)
def test_every_reading_and_the_notes_are_chinese_with_the_english_beside(path: Path) -> None:
    """Each reading (of a clause, the grades or the ranking) and the notes are Chinese first, and the
    English text they were written in is kept as reading_en / notes_en."""
    model = load_rulebook(path).model
    readable = [(c.id, c) for c in model.clauses] + [("grades", model.grades), ("ranking", model.ranking)]
    texts = [(where, r.reading, r.reading_en) for where, r in readable if r is not None and r.reading]
    assert model.notes, f"{path.name}: no notes"
    for where, chinese, english in [("notes", model.notes, model.notes_en), *texts]:
        assert mostly_chinese(chinese), f"{path.name}: {where} is not Chinese: {chinese[:60]!r}"
        assert english and len(LATIN_WORDS.findall(english)) > 5, f"{path.name}: no English {where} beside it"


def test_english_readings_and_notes_are_taken_within_their_bounds() -> None:
    """reading_en and notes_en up to MAX_TEXT characters load and are kept in the model (and so in the
    API's rulebook JSON); one more character, an empty text, or an English text without the Chinese one
    is refused naming the key."""
    longest = "x" * MAX_TEXT
    text = re.sub(r'notes_en = """.*?"""', f'notes_en = "{longest}"', YINCHUAN, count=1, flags=re.DOTALL)
    text = re.sub(r'reading_en = "Added on top.*"', f'reading_en = "{longest}"', text, count=1)
    model = parse_rulebook(text.encode(), "draft").model
    [endorsement] = [c for c in model.clauses if c.id == "9.3-endorsement"]
    assert endorsement.reading_en == longest and model.notes_en is not None
    dumped = model.model_dump(mode="json")
    assert dumped["clauses"][3]["reading_en"] == longest and dumped["notes_en"] == model.notes_en
    excellent = 'wording = "被评选为优秀信息的每条加2分"'
    reading, notes = f'reading_en = "{longest}', f'notes_en = "{longest}'
    refused = [
        ("clauses[3].reading_en", "10000", text.replace(reading, f"{reading}x")),
        ("notes_en", "10000", text.replace(notes, f"{notes}x")),
        ("clauses[4].reading_en", "至少 1 个字符", text.replace(excellent, f'{excellent}\nreading_en = ""')),
        ("clauses[4].reading_en", "无 reading", text.replace(excellent, f'{excellent}\nreading_en = "A"')),
        ("notes_en", "无 notes", re.sub(r'^notes = """.*?"""\n', "", text, count=1, flags=re.DOTALL | re.M)),
    ]
    for key, complaint, bad in refused:
        with pytest.raises(RulebookError, match=rf"键 '{re.escape(key)}'：.*{complaint}"):
            parse_rulebook(bad.encode(), "draft")


def test_one_changed_byte_changes_the_identity() -> None:
    """A trailing newline is enough to give a rulebook another sha256."""
    first = parse_rulebook(COUNTY.encode(), "a.toml")
    second = parse_rulebook((COUNTY + "\n").encode(), "b.toml")
    assert first.model == second.model and first.sha256 != second.sha256


def test_the_seeds_numbers_are_loaded_exactly() -> None:
    """0.1 and 0.2 of 第九条(四) load as exact decimals, not binary floats."""
    book = parse_rulebook(YINCHUAN.encode(), "yinchuan-2018.toml")
    [adjustment] = [c for c in book.model.clauses if c.kind == "performance_adjustment"]  # type: ignore[attr-defined]
    assert (str(adjustment.per_criticism), str(adjustment.zero_adoption_year)) == ("-0.1", "-0.2")  # type: ignore[attr-defined]


def draft(base: str, old: str, new: str) -> bytes:
    assert old in base, old
    return base.replace(old, new, 1).encode("utf-8")


# Each bad draft: the text it starts from, the change, and the key path the error must name.
C, Y = COUNTY, YINCHUAN
DRAFTS = {
    "unknown top-level key": (C, 'cadence = "month"', 'cadence = "month"\nextends = "x.toml"', "extends"),
    "unknown clause key": (C, "adoption_multiple = 2", 'adoption_multiple = 2\nformula = "2*x"',
                           "clauses[1].formula"),
    "unknown publication key": (C, 'level = "county"', 'level = "county"\nweight = 2',
                                "publications.county.weight"),
    "points as text": (Y, "points = -3", 'points = "-3"', "clauses[5].points"),
    "points as a boolean": (Y, "points = 2\n", "points = true\n", "clauses[4].points"),
    "quota as text": (Y, "quota = 90", 'quota = "90"', "classes.county.quota"),
    "fractional quota": (Y, "quota = 40", "quota = 40.5", "classes.department.quota"),
    "negative quota": (Y, "quota = 10", "quota = -10", "classes.vertical.quota"),
    "version as text": (C, "version = 1", 'version = "1"', "version"),
    "date as text": (C, "effective_from = 2000-01-01", 'effective_from = "2000-01-01"', "effective_from"),
    "unknown level": (C, 'level = "county"', 'level = "township"', "publications.county.level"),
    "unknown form": (C, "points = { default = 2 }", "points = { default = 2, longform = 4 }",
                     "publications.county.points.longform"),
    "unknown clause kind": (C, 'kind = "endorsement"', 'kind = "bonus"', "clauses[1]"),
    "bad cadence": (C, 'cadence = "month"', 'cadence = "week"', "cadence"),
    "bad id": (C, 'id = "county-info"', 'id = "County Info"', "id"),
    "missing title": (C, 'title = "政务信息工作考核、通报办法"\n', "", "title"),
    "missing clause key": (C, 'credit = "each"\n', "", "clauses[0].credit"),
    "missing wording": (Y, 'wording = "被评选为优秀信息的每条加2分"\n', "", "clauses[4].wording"),
    "duplicate clause ids": (C, 'id = "1.3-endorsement"', 'id = "1.3-adoption"', "clauses"),
    "window ends before it starts": (C, "effective_from = 2000-01-01",
                                     "effective_from = 2019-01-01\neffective_to = 2018-12-31",
                                     "effective_to"),
    "endorsement with both rules": (C, "adoption_multiple = 2",
                                    "adoption_multiple = 2\npoints = { city = 3 }", "clauses[1]"),
    "endorsement with neither rule": (C, "adoption_multiple = 2", "", "clauses[1]"),
    "no clauses": (C, C[C.index("[[clauses]]"):], "", "clauses"),
}  # fmt: skip


@pytest.mark.parametrize("name", DRAFTS)
def test_a_bad_draft_is_refused_naming_the_file_and_the_key(name: str) -> None:
    """An invalid rulebook raises RulebookError whose message starts with the file and names the key path."""
    base, old, new, key = DRAFTS[name]
    with pytest.raises(RulebookError) as error:
        parse_rulebook(draft(base, old, new), "drafts/bad.toml")
    message = str(error.value)
    assert message.startswith("drafts/bad.toml: ")
    assert re.search(rf"键 '{re.escape(key)}'", message), message


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (draft(COUNTY, "version = 1", "version = = 1"), r"不是有效的 TOML \(not valid TOML\): .*line 4"),
        (draft(COUNTY, "[classes.town]", "[classes.town]\n[classes.town]"), "不是有效的 TOML"),
        (COUNTY.encode("gb18030"), "不是 UTF-8 文本"),
        (b"\xff\xfe" + COUNTY.encode("utf-16-le"), "不是 UTF-8 文本"),
    ],
    ids=["syntax", "table-defined-twice", "gb18030", "utf-16"],
)
def test_a_file_that_is_not_utf8_toml_is_refused_naming_the_file(content: bytes, complaint: str) -> None:
    """Broken TOML and text in another encoding are RulebookErrors that name the file."""
    with pytest.raises(RulebookError, match=rf"^drafts/bad\.toml: {complaint}"):
        parse_rulebook(content, "drafts/bad.toml")


def test_a_rulebook_cannot_include_or_execute_anything(tmp_path: Path) -> None:
    """Text that looks like code or an include stays text, and no key makes the loader read another file."""
    # Whatever a rulebook's strings say, they are only quoted: nothing is run, nothing else is opened.
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch() $(touch {marker}) {{{{ 7*7 }}}}"
    book = parse_rulebook(
        draft(COUNTY, 'title = "政务信息工作考核、通报办法"', f"title = {payload!r}"), "x.toml"
    )
    assert book.model.title == payload and not marker.exists()
    for key in ("include", "import", "extends", "exec"):
        with pytest.raises(RulebookError, match=rf"键 '{key}'：不是可用的键"):
            parse_rulebook(
                draft(COUNTY, 'cadence = "month"', f'cadence = "month"\n{key} = "{marker}"'), "x.toml"
            )
    assert not marker.exists()


def test_an_unreadable_path_is_a_rulebook_error(tmp_path: Path) -> None:
    """A rulebook path that cannot be read is reported with the path."""
    with pytest.raises(RulebookError, match=re.escape(f"{tmp_path / 'gone.toml'}: 无法读取")):
        load_rulebook(tmp_path / "gone.toml")


# --- the catalogue: families, versions, selection ------------------------------------------------------


def test_a_catalogue_loads_several_directories_and_orders_each_familys_versions() -> None:
    """Shipped and test rulebooks load together: county-info has v1 (shipped) and v2 (test-only)."""
    catalogue = Catalogue.load([shipped_directory(), TEST_RULEBOOKS])
    selection = catalogue.select("county-info")
    assert [b.version for b in selection.versions] == [1, 2] and not selection.pinned
    assert selection.latest.version == 2
    assert catalogue.publications() >= {"guobao", "zhengwu", "state-council"}


def test_selecting_by_id_follows_effective_windows_and_by_version_pins_one() -> None:
    """`county-info` gives v1 before 2019-07-01 and v2 from then; `county-info@1` gives v1 for any day."""
    catalogue = Catalogue.load([shipped_directory(), TEST_RULEBOOKS])
    family = catalogue.select("county-info")
    assert family.for_day(dt.date(2019, 6, 30)).version == 1  # type: ignore[union-attr]
    assert family.for_day(dt.date(2019, 7, 1)).version == 2  # type: ignore[union-attr]
    assert family.for_day(dt.date(1999, 12, 31)) is None
    pinned = catalogue.select("county-info@1")
    assert pinned.pinned and pinned.for_day(dt.date(2030, 1, 1)).version == 1  # type: ignore[union-attr]
    yinchuan = catalogue.select("yinchuan-2018")
    assert yinchuan.for_day(dt.date(2018, 5, 31)) is None  # 第十一条 本办法自2018年6月1日起执行
    assert yinchuan.for_day(dt.date(2018, 6, 1)) is yinchuan.latest


def test_unknown_rulebooks_and_versions_are_not_found_with_what_is_known() -> None:
    """Naming a family or version that does not exist lists the ones that do."""
    catalogue = Catalogue.load([shipped_directory()])
    with pytest.raises(NotFound, match=r"未知的考核办法 'shanghai'（可用：county-info、district-info"):
        catalogue.select("shanghai")
    with pytest.raises(NotFound, match=r"'yinchuan-2018' 没有版本 '2'（现有版本：1）"):
        catalogue.select("yinchuan-2018@2")


def test_a_version_defined_twice_is_refused(tmp_path: Path) -> None:
    """Two files claiming the same id and version make the catalogue fail, naming the second file."""
    (tmp_path / "copy.toml").write_text(COUNTY, encoding="utf-8")
    with pytest.raises(RulebookError, match=r"copy\.toml: county-info@1 重复定义"):
        Catalogue.load([shipped_directory(), tmp_path])


def test_a_bad_file_in_a_directory_fails_the_whole_catalogue(tmp_path: Path) -> None:
    """One invalid rulebook among good ones stops the load and is named."""
    (tmp_path / "broken.toml").write_bytes(draft(COUNTY, 'id = "county-info"', 'id = "county-x"\nfoo = 1'))
    with pytest.raises(RulebookError, match=r"broken\.toml: 键 'foo'"):
        Catalogue.load([shipped_directory(), tmp_path])


def test_the_items_are_every_item_and_veto_of_every_version_with_the_acts_that_feed_them(
    tmp_path: Path,
) -> None:
    """Every version's items are known, each with the acts feeding it (a veto: violations only)."""
    first = (shipped_directory() / "xiuwen-open.toml").read_text(encoding="utf-8")
    second = (
        first.replace("version = 1", "version = 2", 1)
        .replace("effective_from = 2021-01-01", "effective_from = 2022-01-01", 1)
        .replace('id = "xw-1.9-news"', 'id = "xw-1.9-news-2022"', 1)
    )
    (tmp_path / "xiuwen-v1.toml").write_text(first, encoding="utf-8")
    (tmp_path / "xiuwen-v2.toml").write_text(second, encoding="utf-8")
    items = Catalogue.load([tmp_path]).items()
    assert {"xw-1.9-news", "xw-1.9-news-2022"} <= items.keys()
    assert items["xw-1.9-news"] == {"violation.recorded", "merit.recorded", "item.exempted", "task.assigned"}
    assert items["xw-5.1-secrets"] == {"violation.recorded"}
    assert not {"xw-4-bonus-total", "xw-year-floor"} & items.keys()  # a group and the bounds: fed by no act


# --- bounds: nesting, size, numbers -------------------------------------------------------------------

ZTXX = "points = { default = 5 }"  # 《银川专题信息》, the second publication of yinchuan-2018
ZTXX_KEY = "publications.yinchuan-ztxx.points.default"
OUT_OF_RANGE = {
    "1e308": "1e308",
    "-1e308": "-1e308",
    "10^40": "1" + "0" * 40,
    "2^63-1": "9223372036854775807",
    "2^64": "18446744073709551616",
    "5e-324": "5e-324",
    "over by a step": "1000000.0001",
    "five decimals": "0.00001",
    "nan": "nan",
    "-inf": "-inf",
}


@pytest.mark.parametrize("value", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_points_out_of_range_are_refused_naming_the_key_and_the_bound(value: str) -> None:
    """A number too large, too small, too fine or not finite is a RulebookError naming its key path and the
    bound (before, 1e308 and 10^40 were called valid and scored into an InvalidOperation)."""
    bound = r".*超出范围.*-1000000 至 1000000.*4 位小数"
    with pytest.raises(RulebookError, match=re.escape(ZTXX_KEY) + bound):
        parse_rulebook(draft(YINCHUAN, ZTXX, f"points = {{ default = {value} }}"), "draft")


def test_a_clause_amount_out_of_range_names_the_clause() -> None:
    """The key path of a clause's amount counts the clause from 0, as a reader of the file does."""
    text = draft(YINCHUAN, "points = { national = 10, region = 5, city = 3 }", "points = { national = 1e7 }")
    with pytest.raises(RulebookError, match=r"键 'clauses\[3\]\.points\.national'.*超出范围"):
        parse_rulebook(text, "draft")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [("version = 1", "version = 9223372036854775807", "version"),
     ("quota = 90", "quota = 1000001", "classes.county.quota"),
     ("run = 2", "run = 18446744073709551616", "clauses[1].run")],
)  # fmt: skip
def test_counts_out_of_range_are_refused_naming_the_key(old: str, new: str, key: str) -> None:
    """A version, quota or run above 1,000,000 is refused naming its key and the bound."""
    with pytest.raises(RulebookError, match=re.escape(f"键 '{key}'") + ".*超出范围：至多 1000000"):
        parse_rulebook(draft(YINCHUAN, old, new), "draft")


def test_the_largest_amounts_and_counts_are_valid() -> None:
    """±1,000,000 with four decimals and counts of 1,000,000 are within the bounds."""
    text = draft(YINCHUAN, ZTXX, "points = { default = 999999.9999, brief = -1000000 }")
    text = text.replace(b"version = 1", b"version = 1000000").replace(b"quota = 90", b"quota = 1000000")
    book = parse_rulebook(text, "draft")
    assert book.version == 1_000_000 and book.model.classes["county"].quota == 1_000_000
    assert str(book.model.publications["yinchuan-ztxx"].points["brief"]) == "-1000000"


@pytest.mark.parametrize(
    ("nested", "line"),
    [("x = " + "[" * 1200 + "]" * 1200, "第 2 行"),
     ("x = " + "{a = " * 2000 + "1" + "}" * 2000, "第 2 行"),
     ("x = [[[ {a = [[" + "[" * 30, "第 2 行"),
     ("[" + ".".join(["a"] * 100_000) + "]", "第 2 行"),
     ("x" + ".x" * 200_000 + " = 1", "第 2 行")],
    ids=["arrays 1200", "inline tables 2000", "mixed", "table header of 100000 parts", "key of 200001 parts"],
)  # fmt: skip
def test_a_draft_nested_too_deeply_is_refused_naming_the_line(nested: str, line: str) -> None:
    """Arrays or inline tables nested past 32 levels, or a dotted key of more than 32 parts, are a
    RulebookError naming the line (before: a RecursionError, or minutes and gigabytes for the key)."""
    with pytest.raises(RulebookError, match=f"draft: {line}：.*超过 32 层"):
        parse_rulebook(f"# a draft\n{nested}\n".encode(), "draft")


def test_brackets_and_dots_inside_strings_and_comments_do_not_nest() -> None:
    """Brackets and dots in strings of every form and in comments are text: a rulebook quoting them loads."""
    deep, dotted = "[" * 40 + "{" * 40, "a." * 40
    text = YINCHUAN.replace('title = "', f'# {deep} {dotted}\ntitle = "{deep}{dotted}', 1)
    text = text.replace('document = "银政办发〔2018〕94号"', f"document = '''{deep}\n{dotted}''''", 1)
    text = text.replace('issuer = "银川市人民政府办公厅"', f"issuer = '{deep}{dotted}'", 1)
    text = text.replace('notes = """', f'notes = """{deep} \\""" {dotted} ""', 1)
    book = parse_rulebook(text.encode(), "draft")
    assert book.model.title.startswith(deep) and book.model.document == f"{deep}\n{dotted}'"
    assert book.model.notes and book.model.notes.startswith(f'{deep} """ {dotted}')


def test_nesting_up_to_the_limit_is_toml_as_usual() -> None:
    """Thirty-two levels of arrays and a key of thirty-two parts are read as TOML (then judged as keys)."""
    for text in ("x = " + "[" * 32 + "]" * 32, "x" + ".x" * 31 + " = 1"):
        with pytest.raises(RulebookError, match="键 'x'"):
            parse_rulebook(draft(YINCHUAN, "version = 1\n", "version = 1\n" + text + "\n"), "draft")


def test_a_rulebook_over_the_size_limit_is_refused_unparsed(tmp_path: Path) -> None:
    """A text over 1 MiB is refused by its size, as the service refuses a draft, also from a file."""
    padded = YINCHUAN + "#" * (1024 * 1024 - len(YINCHUAN.encode()) + 1)
    with pytest.raises(RulebookError, match="超过 1024 KiB"):
        parse_rulebook(padded.encode(), "draft")
    path = tmp_path / "big.toml"
    path.write_text(padded, encoding="utf-8")
    with pytest.raises(RulebookError, match=f"{re.escape(str(path))}: 超过 1024 KiB"):
        load_rulebook(path)
    assert parse_rulebook(padded[:-1].encode(), "draft").id == "yinchuan-2018"


def test_too_many_clauses_are_refused() -> None:
    """More than 1,000 clauses (scoring slows with the square of them) are refused naming the key."""
    extra = "".join(
        f'\n[[clauses]]\nid = "c{i}"\nkind = "excellent"\nwording = "w"\npoints = 1\n' for i in range(1000)
    )
    with pytest.raises(RulebookError, match=r"键 'clauses'.*条目过多：至多 1000 项"):
        parse_rulebook((YINCHUAN + extra).encode(), "draft")
