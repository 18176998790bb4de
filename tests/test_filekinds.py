"""What kind of file an import was given: JSON Lines, a register, or a file of another kind named as such."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from ledger.filekinds import HEAD, WrongFile, kind_of

ACT = json.dumps({"type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
                  "class": "county"}, ensure_ascii=False)  # fmt: skip


def refused(name: str, head: bytes) -> str:
    with pytest.raises(WrongFile) as caught:
        kind_of(name, head)
    return str(caught.value)


def test_files_of_the_kinds_read_are_told_by_their_bytes_and_names() -> None:
    """JSON Lines (under any name), a CSV register (UTF-8 or GB18030) and an XLSX workbook are read."""
    lines = f"{ACT}\n{ACT}\n".encode()
    assert kind_of("acts.jsonl", lines) == kind_of("acts.txt", lines) == kind_of("-", lines) == "jsonl"
    assert kind_of("acts.jsonl", b"\xef\xbb\xbf" + lines) == "jsonl"
    register = "单位代码,单位名称,单位类别,登记日期\nxq,兴庆区,county,2019-01-01\n"
    assert (
        kind_of("units.csv", register.encode()) == kind_of("units.csv", register.encode("gb18030")) == "csv"
    )
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert kind_of("units.xlsx", book.getvalue()) == "xlsx"
    assert "这是 .xlsx 工作簿，文件名却没有扩展名" in refused("units", book.getvalue())


def test_bad_lines_of_json_lines_are_not_taken_for_a_file_of_another_kind() -> None:
    """A first line that is an array, or broken JSON, followed by acts is a bad line of JSON Lines (named
    by the import on its own), not a JSON array or an object written across lines."""
    assert kind_of("acts.jsonl", f"[1, 2]\n{ACT}\n".encode()) == "jsonl"
    assert kind_of("acts.jsonl", f'{{"type": "unit.registered",\n{ACT}\n{ACT}\n'.encode()) == "jsonl"
    assert kind_of("acts.jsonl", b"[1, 2") == "jsonl"  # one broken line


def test_json_arrays_and_objects_over_lines_are_named() -> None:
    """A JSON array, on one line, pretty-printed or longer than what is looked at, and an object written
    over several lines, are named with how to make JSON Lines of them."""
    for array in (f"[{ACT}, {ACT}]", f"[\n  {ACT},\n  {ACT}\n]\n", f"[{ACT}, " * (HEAD // len(ACT) + 1)):
        said = refused("acts.json", array.encode()[:HEAD])
        assert "这是一个 JSON 数组：应为 JSON Lines，每行一个行为" in said and "jq -c '.[]'" in said
    said = refused("acts.jsonl", (json.dumps(json.loads(ACT), indent=2) + "\n").encode())
    assert "这是跨多行书写的 JSON（开头的对象写了 7 行）" in said and "jq -c ." in said
    assert "第一行只有一个 {" in refused("acts.jsonl", b"{\n" + b'  "a": 1,\n' * 300)


def test_text_encodings_other_than_utf8_are_named() -> None:
    """UTF-16 (with or without its byte-order mark) and GB18030 JSON Lines are told to be saved as UTF-8;
    a line of another encoding past what is looked at is left to the import's own line check."""
    for data in (ACT.encode("utf-16"), ACT.encode("utf-16-le"), ACT.encode("utf-16-be")):
        assert "这是 UTF-16 编码的文本：请另存为 UTF-8" in refused("acts.jsonl", data)
    assert "这是 GB18030（GBK）编码的文本" in refused("acts.jsonl", f"{ACT}\n".encode("gb18030"))
    long = (f"{ACT}\n" * (HEAD // len(ACT.encode()) + 1)).encode()[:HEAD]
    assert kind_of("acts.jsonl", long) == "jsonl"  # a UTF-8 head cut inside a character is still UTF-8


def test_other_files_are_named_with_what_to_do() -> None:
    """An .xls workbook, a ZIP archive, a PDF, other binary data, an empty file, a CSV table named .jsonl
    and text named .xlsx each get one message naming what the file is."""
    cases = [
        (
            "book.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "这是 .xls 工作簿（Excel 97-2003 格式）",
        ),
        ("data.zip", b"PK\x03\x04" + b"other.txt" + bytes(100), "这是 ZIP 压缩包：请先解压"),
        ("scan.jsonl", b"%PDF-1.7\n", "这是 PDF 文件"),
        ("blob.jsonl", b"\x01\x00\x02\x03" * 100 + b"\x00" * 400, "这是二进制文件"),
        ("empty.jsonl", b"", "文件是空的"),
        ("bom.jsonl", b"\xef\xbb\xbf\n", "文件是空的"),
        ("units.jsonl", "单位代码\t单位名称\n".encode(), "这像是 CSV 表格"),
        ("units.xlsx", "单位代码,单位名称\n".encode(), "内容却是文本，不是 .xlsx 工作簿"),
    ]
    for name, head, said in cases:
        message = refused(name, head)
        assert message.startswith(f"{name}：") and said in message and "未导入任何行为" in message, message
