"""The OData subset MYOB answers (FACTS.md section 2.7): `$filter` with eq ne gt lt ge le,
and or not, parentheses, `'text'`, `guid'...'`, `datetime'...'`, numbers, true/false/null,
`substringof`, `startswith` and `any` over a list (`Lines/any(l: l/Total gt 5)`);
`$orderby`; `$top` (default 400, at most 1000) and `$skip`. Filters are parsed once into a
predicate over a record's fields (paths like `Customer/UID`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from syncsvc.sandbox.myob.errors import MyobError
from syncsvc.sandbox.myob.wire import parse_timestamp

DEFAULT_TOP = 400
MAX_TOP = 1000

Record = Mapping[str, Any]
R = TypeVar("R", bound=Mapping[str, Any])
Predicate = Callable[[Record], bool]
Operand = Callable[[Record], Any]

_TOKEN = re.compile(
    r"\s*(?:(?P<typed>(?:guid|datetime)'[^']*')|(?P<string>'(?:[^']|'')*')"
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),:])|(?P<word>[A-Za-z_][\w/]*))"
)
_COMPARISONS = {"eq", "ne", "gt", "lt", "ge", "le"}


def _bad(detail: str) -> MyobError:
    return MyobError(400, "InvalidFilter", f"The $filter could not be parsed: {detail}", "$filter")


@dataclass
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _bad(f"unexpected text at {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    return found


def _comparable(value: Any) -> Any:
    """Dates compare with datetimes as midnight UTC; GUID text without case."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def resolve(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _bad("the filter ends too soon")
        self.at += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise _bad(f"expected {text!r}, found {token.text!r}")

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() == word:
            self.at += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise _bad(f"unexpected {self.take().text!r}")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda r: not inner(r)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        left = self.operand()
        operator = self.peek()
        if operator is None or operator.kind != "word" or operator.text.lower() not in _COMPARISONS:
            return lambda r: bool(left(r))  # a boolean function or field on its own
        self.take()
        right = self.operand()
        return _compare(operator.text.lower(), left, right)

    def operand(self) -> Operand:
        token = self.take()
        if token.kind == "typed":
            kind, _, quoted = token.text.partition("'")
            literal = quoted[:-1]
            if kind == "guid":
                guid = literal.lower()
                return lambda r: guid
            try:
                moment = parse_timestamp(literal)
            except ValueError as exc:
                raise _bad(f"bad datetime {literal!r}") from exc
            return lambda r: moment
        if token.kind == "string":
            text = token.text[1:-1].replace("''", "'")
            return lambda r: text
        if token.kind == "number":
            number = Decimal(token.text)
            return lambda r: number
        if token.kind != "word":
            raise _bad(f"unexpected {token.text!r}")
        word = token.text
        lowered = word.lower()
        if lowered in {"true", "false"}:
            flag = lowered == "true"
            return lambda r: flag
        if lowered == "null":
            return lambda r: None
        if lowered in {"substringof", "startswith", "endswith"} and self._call_follows():
            return self.function(lowered)
        if lowered.endswith("/any") and self._call_follows():
            return self.any(word[: -len("/any")])
        return lambda r: resolve(r, word)

    def _call_follows(self) -> bool:
        token = self.peek()
        return token is not None and token.text == "("

    def any(self, path: str) -> Operand:
        """`Invoices/any(x: x/UID eq guid'...')`: true when some element matches; inside,
        `x/...` reads the element."""
        self.expect("(")
        variable = self.take()
        if variable.kind != "word" or "/" in variable.text:
            raise _bad(f"expected a variable name, found {variable.text!r}")
        self.expect(":")
        inner = self.disjunction()
        self.expect(")")
        name = variable.text

        def some(record: Record) -> bool:
            elements = resolve(record, path)
            if not isinstance(elements, list):
                return False
            return any(inner({**record, name: element}) for element in elements)

        return some

    def function(self, name: str) -> Operand:
        self.expect("(")
        first = self.operand()
        self.expect(",")
        second = self.operand()
        self.expect(")")
        if name == "substringof":  # substringof(needle, haystack)
            return lambda r: _text(first(r)) in _text(second(r))
        if name == "startswith":  # startswith(haystack, prefix)
            return lambda r: _text(first(r)).startswith(_text(second(r)))
        return lambda r: _text(first(r)).endswith(_text(second(r)))


def _text(value: Any) -> str:
    # MYOB's text search ignores case.
    return "" if value is None else str(value).lower()


def _compare(operator: str, left: Operand, right: Operand) -> Predicate:
    def predicate(record: Record) -> bool:
        a, b = _comparable(left(record)), _comparable(right(record))
        if isinstance(a, str) and isinstance(b, str) and _looks_like_guid(a, b):
            a, b = a.lower(), b.lower()
        if operator == "eq":
            return bool(a == b)
        if operator == "ne":
            return bool(a != b)
        if a is None or b is None:
            return False
        try:
            if operator == "gt":
                return bool(a > b)
            if operator == "lt":
                return bool(a < b)
            if operator == "ge":
                return bool(a >= b)
            return bool(a <= b)
        except TypeError:
            return False

    return predicate


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _looks_like_guid(a: str, b: str) -> bool:
    return bool(_GUID.match(a) and _GUID.match(b))


def parse_filter(text: str | None) -> Predicate:
    if not text or not text.strip():
        return lambda r: True
    return _Parser(text).parse()


def parse_orderby(text: str | None) -> list[tuple[str, bool]]:
    """`Field [asc|desc], ...` as (path, descending) pairs."""
    if not text:
        return []
    order: list[tuple[str, bool]] = []
    for clause in text.split(","):
        words = clause.split()
        if (
            not words
            or len(words) > 2
            or (len(words) == 2 and words[1].lower() not in {"asc", "desc"})
        ):
            raise MyobError(
                400, "InvalidOrderBy", f"Cannot order by {clause.strip()!r}", "$orderby"
            )
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order


def _bounded_int(text: str | None, field: str, default: int, low: int, high: int) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise MyobError(400, "SerializationError", f"{field} must be a number", field, 50) from exc
    if not low <= value <= high:
        raise MyobError(400, "OutOfRange", f"{field} must be between {low} and {high}", field)
    return value


@dataclass
class Query:
    predicate: Predicate
    order: list[tuple[str, bool]]
    top: int
    skip: int

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        return cls(
            predicate=parse_filter(params.get("$filter")),
            order=parse_orderby(params.get("$orderby")),
            top=_bounded_int(params.get("$top"), "$top", DEFAULT_TOP, 1, MAX_TOP),
            skip=_bounded_int(params.get("$skip"), "$skip", 0, 0, 2**31),
        )

    def select(self, records: Sequence[R]) -> tuple[list[R], int]:
        """The page of `records` (already in their natural order) and how many matched."""
        matched = [r for r in records if self.predicate(r)]
        for path, descending in reversed(self.order):
            # None sorts first ascending, as SQL Server (MYOB's store) does.
            matched.sort(key=_by(path), reverse=descending)
        return matched[self.skip : self.skip + self.top], len(matched)


def _by(path: str) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: _sort_key(resolve(record, path))


def _sort_key(value: Any) -> tuple[int, Any]:
    value = _comparable(value)
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, Decimal):
        return (2, value)
    if isinstance(value, datetime):
        return (3, value)
    return (4, str(value).lower())
