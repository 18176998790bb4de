"""Request bodies read within a limit: no more than the limit is ever held, and a body known to pass it
(by its declared Content-Length, or by the bytes as they come) is refused at once."""

from __future__ import annotations

from fastapi import Request


class TooLarge(Exception):
    """The body passes the limit; the caller says so in its own terms (a problem, a page)."""


async def read_within(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)
