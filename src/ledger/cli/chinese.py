"""The command's own words in Chinese: what typer and click print around the ledger's text (usage,
panel titles, [required], [default: ...], the errors of a missing option or an unknown command); and
help that folds its long Chinese lines instead of cutting them.

Typer keeps its panel titles and markers in module constants of `typer.rich_utils`; click and typer look
their messages up through `gettext`, by the name `_` (and `ngettext`) each module imported. `use()` sets
both, once, when the command is built (`ledger.cli`): nothing is translated at import of this module.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from typing import Any

import click
import click.exceptions
import click.formatting
import typer.core
import typer.rich_utils
from rich.text import Text

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Value must be an iterable.": "值应为多个。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数（{number_type}）。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是是非值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
}
PLURALS = {
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "Got unexpected extra argument ({args})": "多出的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choices}。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，给了 {len} 个。",
}
PANELS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已弃用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}


ERRORS = (  # click's error texts written as English f-strings (the click that typer carries)
    (r"^Missing (?:option|parameter) (.*)\.(?: (.*))?$", r"缺少选项 \1。\2"),
    (r"^Missing argument (.*)\.(?: (.*))?$", r"缺少参数 \1。\2"),
    (r"^Missing parameter: (.*)$", r"缺少参数：\1"),
    (r"^Missing command\.$", "缺少命令。"),
    (r"^No such option: (\S*)", r"没有选项：\1"),
    (r"\(Possible options: (.*)\)$", r"（可选：\1）"),
    (r"[。.]* ?Did you mean (.*)\?$", r"；是不是 \1？"),
    (r"^Invalid value for (.*?): ", r"\1 的值无效："),
    (r"^Invalid value: ", "值无效："),
    (r"^Got unexpected extra arguments? ?(?:\(s\))? \((.*)\)$", r"多出的参数（\1）"),
    (r"Value (.*) is not a valid (\w+)\.$", r"\1 不是有效的 \2。"),
    (r"(\S+) is not one of (.*)\.$", r"\1 不是 \2 之一。"),
    (r"(?:File|Directory|Path) ('.*') does not exist\.$", r"\1 不存在。"),
    (r"Option ('.*') requires an argument\.$", r"选项 \1 需要一个值。"),
    # pydantic's words, which the typer that carries click uses to read an option's value
    (r"Input should be a valid integer(?:, unable to parse string as an integer)?", "应为整数"),
    (r"Input should be a valid number(?:, unable to parse string as a number)?", "应为数字"),
    (r"Input should be a valid boolean(?:, unable to interpret input)?", "应为 true 或 false"),
    (r"Input should be greater than or equal to (\S+)", r"应不小于 \1"),
    (r"Input should be greater than (\S+)", r"应大于 \1"),
    (r"Input should be less than or equal to (\S+)", r"应不大于 \1"),
)


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get(singular, singular if n == 1 else plural)


def chinese(text: str) -> str:
    """An error text of click's in Chinese (the patterns known; any other is left as it is)."""
    for pattern, replacement in ERRORS:
        text = re.sub(pattern, replacement, text)
    return text


def _translated(method: Callable[..., str]) -> Callable[..., str]:
    def format_message(self: Exception) -> str:
        return chinese(method(self))

    return format_message


def _help_option(method: Callable[..., Any]) -> Callable[..., Any]:
    def get_help_option(self: Any, ctx: Any) -> Any:
        option = method(self, ctx)
        if option is not None:
            option.help = HELP
        return option

    return get_help_option


def _usage(method: Callable[..., None]) -> Callable[..., None]:
    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, said in METAVARS:
            args = args.replace(english, said)
        method(self, prog, args, USAGE if prefix is None else prefix)

    return write_usage


HELP, USAGE = "显示本帮助并退出。", "用法："
METAVARS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))


def use() -> None:
    """Put the Chinese words in place in typer's and click's modules (once)."""
    if getattr(use, "done", False):
        return
    use.done = True  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        if name.startswith(("click", "typer")) and module is not None:
            if getattr(getattr(module, "_", None), "__name__", "") == "gettext":
                module._ = gettext  # type: ignore[attr-defined]
            if getattr(getattr(module, "ngettext", None), "__name__", "") == "ngettext":
                module.ngettext = ngettext  # type: ignore[attr-defined]
    for constant, text in PANELS.items():
        setattr(typer.rich_utils, constant, text)
    _wrap(typer.rich_utils, "_make_rich_text", _folded)
    for exceptions in {click.exceptions, *_vendored("exceptions")}:
        for value in vars(exceptions).values():
            if isinstance(value, type) and "format_message" in vars(value):
                _wrap(value, "format_message", _translated)
    for command in {typer.core.TyperCommand, typer.core.TyperGroup}:
        _wrap(command, "get_help_option", _help_option)
    for formatting in {click.formatting, *_vendored("formatting")}:
        _wrap(formatting.HelpFormatter, "write_usage", _usage)


def _wrap(owner: Any, name: str, wrapper: Callable[[Any], Any]) -> None:
    """Replace a method of a class of click's or typer's with the wrapper around it."""
    setattr(owner, name, wrapper(vars(owner)[name] if name in vars(owner) else getattr(owner, name)))


def _folded(method: Callable[..., Any]) -> Callable[..., Any]:
    """typer's help text, folding a long line rather than cutting it with "…": Chinese has no spaces
    to wrap at, and any place between two characters is a place to break it."""

    def make_rich_text(*args: Any, **kwargs: Any) -> Any:
        text = method(*args, **kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    return make_rich_text


def _vendored(name: str) -> list[Any]:
    """The module of the click that typer carries inside itself (typer 0.2x), if it carries one."""
    try:
        return [importlib.import_module(f"typer._click.{name}")]
    except ImportError:
        return []
