"""The fonts of the PDF bulletin, as GB/T 9704-2012 asks for them: 小标宋 for the title, 仿宋 for the body,
黑体 for the headings, or their nearest free equivalents.

For each role the first of these is taken:
1. the file named for it by `LEDGER_BULLETIN_FONTS` (`title=FILE`, `body=FILE`, `heading=FILE`, or a bare
   FILE for all three, joined by the system's path separator), or by `LEDGER_CJK_FONT` (one file for all);
2. an installed font of the role's style, by its file name (方正小标宋 FZXBSJW.TTF, 仿宋 simfang.ttf,
   黑体 simhei.ttf, Noto Serif/Sans CJK, AR PL, WenQuanYi ...), found in the usual font folders (Linux,
   Windows, macOS) and by fontconfig's `fc-list`;
3. the free Noto Serif SC (title, body) and Noto Sans SC (headings) that the `pylopdf-fonts-zh-cn`
   dependency installs with the ledger (SIL Open Font License), so a fresh machine needs nothing more;
4. any installed Chinese font.
`LEDGER_BULLETIN_FONT_DIRS` replaces the folders searched (empty: search none, and ask no fontconfig).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ledger.errors import LedgerError

FONT_ENV = "LEDGER_CJK_FONT"
FONTS_ENV = "LEDGER_BULLETIN_FONTS"
DIRS_ENV = "LEDGER_BULLETIN_FONT_DIRS"
ROLES = ("title", "body", "heading")
SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
SERIF = ("notoserifcjk-regular.ttc", "notoserifcjksc-regular.otf", "notoserifsc-regular.otf",
         "sourcehanserifsc-regular.otf", "simsun.ttc", "uming.ttc", "gbsn00lp.ttf")  # fmt: skip
SANS = ("notosanscjk-regular.ttc", "notosanscjksc-regular.otf", "notosanssc-regular.otf",
        "sourcehansanssc-regular.otf", "msyh.ttc", "wqy-microhei.ttc", "wqy-zenhei.ttc", "pingfang.ttc",
        "stheiti light.ttc")  # fmt: skip
STYLES = {  # installed fonts of each role's style, by file name (lower case), best first
    "title": ("fzxbsjw.ttf", "fzxbsk.ttf", "方正小标宋简体.ttf", "方正小标宋_gbk.ttf", "stzhongs.ttf",
              "notoserifcjk-bold.ttc", "notoserifcjksc-bold.otf", "notoserifsc-bold.otf",
              "sourcehanserifsc-bold.otf", *SERIF),
    "body": ("simfang.ttf", "fangsong_gb2312.ttf", "仿宋_gb2312.ttf", "fzfsjw.ttf", "stfangso.ttf", *SERIF),
    "heading": ("simhei.ttf", "fzhtjw.ttf", "fzhtk.ttf", "stheiti.ttf", *SANS),
}  # fmt: skip
PACKAGED = {"title": "serif_path", "body": "serif_path", "heading": "sans_path"}


@dataclass(frozen=True)
class Face:
    """One font file (and its face, in a collection) with the sha256 that identifies it."""

    path: Path
    index: int
    sha256: str

    def describe(self) -> dict[str, str | int]:
        return {"path": str(self.path), "index": self.index, "sha256": self.sha256}


@dataclass(frozen=True)
class Fonts:
    title: Face
    body: Face
    heading: Face

    def describe(self) -> dict[str, dict[str, str | int]]:
        return {role: getattr(self, role).describe() for role in ROLES}


def find_fonts() -> Fonts:
    """The font of each role, as the module's docstring orders them."""
    named = _named()
    found = {}
    for role in ROLES:
        path = named.get(role) or _installed(STYLES[role]) or _packaged(role) or _any_installed()
        if path is None:
            raise LedgerError(
                f"找不到中文字体，无法生成 PDF：请安装 pylopdf-fonts-zh-cn（随 ledger 安装）或系统中文字体，"
                f"或以 {FONTS_ENV} / {FONT_ENV} 指定字体文件 (no Chinese font found)"
            )
        found[role] = face(str(path))
    return Fonts(**found)


def _named() -> dict[str, Path]:
    """The files the settings name, by role; a named file that is not there is an error, not skipped."""
    named: dict[str, Path] = {}
    single = os.environ.get(FONT_ENV, "").strip()
    if single:
        named = dict.fromkeys(ROLES, _file(FONT_ENV, single))
    for entry in filter(None, (e.strip() for e in os.environ.get(FONTS_ENV, "").split(os.pathsep))):
        role, sep, path = entry.partition("=")
        if sep and role.strip() not in ROLES:
            raise LedgerError(f"{FONTS_ENV}：{role.strip()!r} 不是 title、body 或 heading")
        if sep:
            named[role.strip()] = _file(FONTS_ENV, path.strip())
        else:
            named.update(dict.fromkeys(ROLES, _file(FONTS_ENV, entry)))
    return named


def _file(setting: str, value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise LedgerError(f"{setting}={value!r} 不是字体文件 (not a font file)")
    return path.resolve()


def _installed(names: tuple[str, ...]) -> Path | None:
    index = installed_fonts(_folders(), use_fontconfig=DIRS_ENV not in os.environ)
    return next((index[name] for name in names if name in index), None)


def _any_installed() -> Path | None:
    index = installed_fonts(_folders(), use_fontconfig=DIRS_ENV not in os.environ)
    chinese = [index[name] for name in (*SERIF, *SANS) if name in index]
    return chinese[0] if chinese else None


def _packaged(role: str) -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(getattr(pylopdf_fonts_zh_cn, PACKAGED[role])())
    return path if path.is_file() else None


def _folders() -> tuple[str, ...]:
    """The folders searched: the setting's, or where Linux, Windows and macOS keep fonts."""
    if DIRS_ENV in os.environ:
        return tuple(filter(None, os.environ[DIRS_ENV].split(os.pathsep)))
    home = Path.home()
    windows = os.environ.get("WINDIR", "C:/Windows")
    local = os.environ.get("LOCALAPPDATA", str(home / "AppData/Local"))
    return (
        "/usr/share/fonts", "/usr/local/share/fonts", str(home / ".fonts"), str(home / ".local/share/fonts"),
        f"{windows}/Fonts", f"{local}/Microsoft/Windows/Fonts",
        "/System/Library/Fonts", "/Library/Fonts", str(home / "Library/Fonts"),
    )  # fmt: skip


@lru_cache(maxsize=4)
def installed_fonts(folders: tuple[str, ...], *, use_fontconfig: bool) -> dict[str, Path]:
    """Font files by lower-case file name (the first found of a name), in `folders` and as fontconfig
    lists its Chinese fonts."""
    index: dict[str, Path] = {}
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                if name.lower().endswith(SUFFIXES):
                    index.setdefault(name.lower(), Path(root) / name)
    if use_fontconfig and shutil.which("fc-list"):
        try:
            listed = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        for line in sorted(listed.splitlines()):
            path = Path(line.strip().rstrip(":"))
            index.setdefault(path.name.lower(), path)
    return index


@lru_cache(maxsize=16)
def face(path: str) -> Face:
    """The file's face to use: in a collection, the Simplified Chinese one (Noto CJK holds JP, KR, SC ...)."""
    data = Path(path).read_bytes()
    return Face(Path(path), _chinese_face(path), hashlib.sha256(data).hexdigest())


def _chinese_face(path: str) -> int:
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    try:
        collection = TTCollection(path, lazy=True)
    except Exception:  # fontTools raises many kinds on a file it cannot read; fpdf2 will say so
        return 0
    for number, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith(" SC") or " SC " in f"{family} ":
            return number
    return 0
