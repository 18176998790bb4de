"""What kind of file an import was given, told from its first bytes and its name: JSON Lines, a CSV
register or an XLSX workbook, or something else, which gets one message saying what the file is and what
to do (a JSON array, an .xls workbook, UTF-16 text...) rather than one error per line."""

from __future__ import annotations

from pathlib import Path

import orjson

from ledger.errors import LedgerError

HEAD = 1 << 16  # bytes looked at
SPREAD = 200  # lines over which a JSON object written across lines is looked for
BOM = b"\xef\xbb\xbf"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other old Office files
ZIP = b"PK\x03\x04"  # .xlsx, .docx, .zip
ANY = ("JSON Lines、CSV 或 .xlsx", "expected JSON Lines, CSV or .xlsx")
SAID: dict[str, tuple[str, ...]] = {  # what a file is and what to do, in Chinese and in English
    "empty": ("文件是空的，没有可导入的行为", "an empty file: no acts"),
    "xls": (
        "这是 .xls 工作簿（Excel 97-2003 格式）：请另存为 .xlsx 或 CSV 后导入",
        "an .xls workbook: save it as .xlsx or CSV",
    ),
    "zip": ("这是 ZIP 压缩包：请先解压，再导入其中的文件", "a ZIP archive: unpack it first"),
    "utf16": (
        "这是 UTF-16 编码的文本：请另存为 UTF-8（Excel 选“CSV UTF-8”，记事本选 UTF-8）",
        "UTF-16 text: save it as UTF-8",
    ),
    "pdf": (f"这是 PDF 文件：应为 {ANY[0]}", f"a PDF: {ANY[1]}"),
    "binary": (f"这是二进制文件，不是文本：应为 {ANY[0]}", f"a binary file: {ANY[1]}"),
    "text as xlsx": (
        "文件名以 .xlsx 结尾，内容却是文本，不是 .xlsx 工作簿：CSV 请命名为 .csv",
        "text under an .xlsx name: name a CSV .csv",
    ),
    "csv as jsonl": (
        "这像是 CSV 表格（首行是表头，不是 JSON）：登记表请命名为 .csv 后导入",
        "looks like a CSV table: name it .csv",
    ),
    "array": (
        "这是一个 JSON 数组：应为 JSON Lines，每行一个行为",
        "a JSON array: expected JSON Lines, one act per line",
        "可用 jq -c '.[]' FILE > FILE.jsonl 转换",
    ),
    "gb18030": (
        "这是 GB18030（GBK）编码的文本：JSON Lines 须为 UTF-8，请另存为 UTF-8",
        "GB18030 text: save it as UTF-8",
    ),
}


class WrongFile(LedgerError):
    """A file given to import is not of a kind it reads; the message says what it is and what to do."""

    def __init__(self, name: str, said: tuple[str, ...]) -> None:
        """`said`: what the file is and what to do, in Chinese, in English, and maybe how (a command)."""
        chinese, english, *how = said
        then = "".join(f"；{h}" for h in how)
        super().__init__(f"{name}：{chinese} ({english}){then}；未导入任何行为 (nothing was imported)")


def head_of(path: Path) -> bytes:
    """The first bytes of a file, or WrongFile naming why it cannot be read (a directory, not there)."""
    if path.is_dir():
        raise WrongFile(str(path), ("这是一个目录，不是文件：请给出要导入的文件", "a directory: give a file"))
    try:
        with path.open("rb") as f:
            return f.read(HEAD)
    except FileNotFoundError:
        raise WrongFile(str(path), ("找不到这个文件", "no such file")) from None
    except OSError as e:
        raise WrongFile(str(path), ("无法读取", f"cannot be read: {e.strerror}")) from None


def kind_of(name: str, head: bytes) -> str:
    """How to read a file named `name` that begins with `head`: "jsonl", "csv" or "xlsx". Any other
    file raises WrongFile saying what it is and what to do."""
    suffix = Path(name).suffix.lower()
    if not head.removeprefix(BOM).strip():
        raise WrongFile(name, SAID["empty"])
    if head.startswith(OLE2):
        raise WrongFile(name, SAID["xls"])
    if head.startswith(ZIP):
        if suffix == ".xlsx":
            return "xlsx"
        if b"xl/" not in head:
            raise WrongFile(name, SAID["zip"])
        named = f"以 {suffix} 结尾" if suffix else "没有扩展名"
        said = (
            f"这是 .xlsx 工作簿，文件名却{named}：请把文件名改为 .xlsx 后导入",
            "an .xlsx workbook: name it .xlsx",
        )
        raise WrongFile(name, said)
    if _utf16(head):
        raise WrongFile(name, SAID["utf16"])
    if head.startswith(b"%PDF"):
        raise WrongFile(name, SAID["pdf"])
    if b"\x00" in head:
        raise WrongFile(name, SAID["binary"])
    text = head.removeprefix(BOM).lstrip()
    first = text.split(b"\n", 1)[0].strip()
    if suffix in (".csv", ".xlsx") and first[:1] in (b"{", b"["):
        said = (
            f"这是 JSON 文本，文件名却以 {suffix} 结尾：JSON Lines 请命名为 .jsonl",
            "JSON: name it .jsonl",
        )
        raise WrongFile(name, said)
    if suffix == ".xlsx":
        raise WrongFile(name, SAID["text as xlsx"])
    if suffix == ".csv":
        return "csv"
    _refuse_other_json(name, text, len(head) < HEAD)
    if first[:1] not in (b"{", b"[") and (b"," in first or b"\t" in first):
        raise WrongFile(name, SAID["csv as jsonl"])
    _refuse_gb18030(name, head, len(head) < HEAD)
    return "jsonl"


def _refuse_other_json(name: str, text: bytes, whole: bool) -> None:
    """A JSON array, or a JSON object written across lines, where JSON Lines were expected."""
    lines = text.split(b"\n")
    first = lines[0].strip()
    rest = any(line.strip() for line in lines[1:])
    if first.startswith(b"["):
        complete = _parses(first)
        if complete and rest:
            return  # JSON Lines whose first line is an array: that line is named as bad
        if complete or rest or not whole or first == b"[":
            raise WrongFile(name, SAID["array"])
    if first.startswith(b"{") and not _parses(first):
        spread = next(
            (k for k in range(2, min(len(lines), SPREAD) + 1) if _parses(b"\n".join(lines[:k]))), None
        )
        if spread is not None or first == b"{":
            taken = f"开头的对象写了 {spread} 行" if spread else "第一行只有一个 {"
            said = (
                f"这是跨多行书写的 JSON（{taken}）：JSON Lines 要求每个行为写在一行上",
                "a JSON object spread over lines: write each act on one line",
                "可用 jq -c . FILE > FILE.jsonl 转换",
            )
            raise WrongFile(name, said)


def _parses(text: bytes) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _utf16(head: bytes) -> bool:
    """Whether text is UTF-16 (or UTF-32): by its byte-order mark, or, without one, by the NUL bytes that
    every other byte of mostly ASCII text then is."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    halves = (head[:4096:2], head[1:4096:2])
    nuls = [half.count(0) / len(half) for half in halves if half]
    return len(nuls) == 2 and max(nuls) > 0.3 and min(nuls) < 0.05


def _refuse_gb18030(name: str, head: bytes, whole: bool) -> None:
    """Text that is not UTF-8 but reads as GB18030 (GBK), as editors on Chinese Windows save it."""
    text = head if whole else head[: head.rfind(b"\n") + 1]
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text.decode("gb18030")
        except UnicodeDecodeError:
            return  # neither: each line that is not UTF-8 is named on its own
        raise WrongFile(name, SAID["gb18030"]) from None
