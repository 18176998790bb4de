"""No token in any log: every record the server writes has its bearer tokens replaced by `lt_[redacted]`.

Tokens reach logs in URLs (a client that puts one in a query string or a path: the access log writes the
URL as sent) and in messages or tracebacks that quote what a client sent. The filter sits on the log
handlers `ledger serve` configures, so it sees the records of every logger: uvicorn's access and error
logs and the ledger's own. It redacts `lt_...` tokens as sent and percent-encoded, and the value of any
query parameter whose name says token, whatever the value looks like.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any
from urllib.parse import unquote

REDACTED = "lt_[redacted]"
TOKEN = re.compile(r"(?<![A-Za-z0-9])lt_[A-Za-z0-9_-]+")
TOKEN_PARAMETER = re.compile(
    r"(?i)((?:^|[?&;\s\"'])[\w.%-]*(?:token|auth|secret|password)[\w.%-]*=)([^&;\s\"']*)"
)
ENCODED_RUN = re.compile(r"[A-Za-z0-9_%-]*%[0-9A-Fa-f]{2}[A-Za-z0-9_%-]*")


def redact(text: str) -> str:
    """The text with every token, and every token-named query parameter's value, replaced."""
    text = TOKEN_PARAMETER.sub(lambda m: m.group(1) + "[redacted]", text)
    text = TOKEN.sub(REDACTED, text)
    if "%" in text:  # a token sent percent-encoded (`lt%5F...`): redact the run of text holding it
        text = ENCODED_RUN.sub(_encoded, text)
    return text


def _encoded(match: re.Match[str]) -> str:
    run = match.group(0)
    return REDACTED if TOKEN.search(unquote(run)) else run


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float)) or value is None:
        return value
    shown = str(value)
    cleaned = redact(shown)
    return value if cleaned == shown else cleaned


class RedactTokens(logging.Filter):
    """A handler filter: the record's message, arguments and traceback without tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
