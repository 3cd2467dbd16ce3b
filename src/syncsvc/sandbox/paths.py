"""Case-insensitive paths, as Xero's are (its own Python SDK calls `/Connections`; the
sandbox's routes say `/connections`): a request whose path matches a route's template in
another letter case is passed on with the template's spelling and the caller's values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::path)?\}")


@dataclass(frozen=True)
class Template:
    """A route's path; literal parts are matched in any case, parameters as given."""

    path: str
    pattern: re.Pattern[str]
    literals: tuple[str, ...]  # the template split at its parameters

    @classmethod
    def of(cls, path: str) -> Template:
        literals = tuple(_PARAM.split(path)[::2])  # split keeps the names at odd places
        regex = "([^/]+)".join(re.escape(part) for part in literals)
        return cls(path, re.compile(regex, re.IGNORECASE), literals)

    def canonical(self, path: str) -> str | None:
        match = self.pattern.fullmatch(path)
        if match is None:
            return None
        values = match.groups()
        return "".join(
            part + (values[i] if i < len(values) else "") for i, part in enumerate(self.literals)
        )


class CaseInsensitivePaths:
    """ASGI middleware: rewrites a path under one of `prefixes` to its route's spelling."""

    def __init__(self, app: ASGIApp, paths: Iterable[str], prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = tuple(p.lower() for p in prefixes)
        self.templates = [Template.of(path) for path in paths]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].lower().startswith(self.prefixes):
            spelled = self.spelling(scope["path"])
            if spelled is not None and spelled != scope["path"]:
                scope = {**scope, "path": spelled, "raw_path": spelled.encode()}
        await self.app(scope, receive, send)

    def spelling(self, path: str) -> str | None:
        for template in self.templates:
            if template.canonical(path) == path:
                return path  # already spelled as a route is
        for template in self.templates:
            canonical = template.canonical(path)
            if canonical is not None:
                return canonical
        return None
