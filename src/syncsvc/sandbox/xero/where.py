"""Xero's `where` filter, parsed as Xero reads it (a .NET dynamic-LINQ expression).

Grammar (keywords and member names case-insensitive, as Xero's are):

    expr     := or
    or       := and (("OR" | "||") and)*
    and      := not (("AND" | "&&") not)*
    not      := ("NOT" | "!") not | compare
    compare  := operand (("==" | "=" | "!=" | "<>" | ">=" | "<=" | ">" | "<") operand)?
    operand  := "(" expr ")" | literal | member ("." method "(" args ")")*
    member   := Name ("." Name)*            e.g. Contact.ContactID, Invoice.InvoiceID
    method   := Contains | StartsWith | EndsWith | ToLower | ToUpper | Trim
    literal  := "text" | number | true | false | null | DateTime(y,m,d[,h,m,s])
              | Guid("...")

A filter is compiled once into a predicate over a document (a dict of Xero's JSON)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from syncsvc.sandbox.xero.documents import parse_date

Doc = dict[str, Any]
Getter = Callable[[Doc], Any]


class WhereError(ValueError):
    """The filter cannot be read; the message says where."""


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "string", "number", "op", "(", ")", ",", ".", "end"
    text: str
    at: int


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[(),.])
    )""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            raise WhereError(f"cannot read the filter at position {at}: {text[at : at + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        tokens.append(Token(value if kind == "punct" else kind, value, match.start(kind)))
        at = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


_COMPARISONS = {"==", "=", "!=", "<>", ">=", "<=", ">", "<"}
_STRING_METHODS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda value, part: part in value,
    "startswith": lambda value, part: value.startswith(part),
    "endswith": lambda value, part: value.endswith(part),
}
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": str.strip,
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, kind: str) -> Token:
        token = self.take()
        if token.kind != kind:
            found = token.text or "the end"
            raise WhereError(f"expected {kind!r} at position {token.at}, found {found!r}")
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.text.upper() in words

    def parse(self) -> Getter:
        expression = self.or_()
        if self.peek().kind != "end":
            token = self.peek()
            raise WhereError(f"unexpected {token.text!r} at position {token.at}")
        return expression

    def or_(self) -> Getter:
        parts = [self.and_()]
        while self.is_word("OR") or self.peek().text == "||":
            self.take()
            parts.append(self.and_())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: any(_truth(part(doc)) for part in parts)

    def and_(self) -> Getter:
        parts = [self.not_()]
        while self.is_word("AND") or self.peek().text == "&&":
            self.take()
            parts.append(self.not_())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: all(_truth(part(doc)) for part in parts)

    def not_(self) -> Getter:
        if self.is_word("NOT") or self.peek().text == "!":
            self.take()
            inner = self.not_()
            return lambda doc: not _truth(inner(doc))
        return self.compare()

    def compare(self) -> Getter:
        left = self.operand()
        token = self.peek()
        if token.kind != "op" or token.text not in _COMPARISONS:
            return left
        self.take()
        right = self.operand()
        op = {"=": "==", "<>": "!="}.get(token.text, token.text)
        return lambda doc: _compare(left(doc), op, right(doc))

    def operand(self) -> Getter:
        token = self.peek()
        if token.kind == "(":
            self.take()
            inner = self.or_()
            self.expect(")")
            return inner
        if token.kind == "string":
            self.take()
            text = _unquote(token.text)
            return lambda _doc: text
        if token.kind == "number":
            self.take()
            number = Decimal(token.text)
            return lambda _doc: number
        if token.kind == "name":
            return self.name_or_call()
        raise WhereError(
            f"expected a field or a value at position {token.at}, found {token.text or 'the end'!r}"
        )

    def name_or_call(self) -> Getter:
        first = self.take()
        word = first.text.lower()
        if word in ("true", "false"):
            flag = word == "true"
            return lambda _doc: flag
        if word == "null":
            return lambda _doc: None
        if word == "datetime" and self.peek().kind == "(":
            moment = self.datetime_literal()
            return lambda _doc: moment
        if word == "guid" and self.peek().kind == "(":
            self.take()
            value = _unquote(self.expect("string").text).lower()
            self.expect(")")
            return lambda _doc: _Guid(value)
        path = [first.text]
        getter: Getter | None = None
        while self.peek().kind == ".":
            self.take()
            name = self.expect("name").text
            if self.peek().kind == "(":
                getter = self.method(getter or _member(path), name)
            elif getter is not None:
                raise WhereError(f"cannot read a field {name!r} of a method's result")
            else:
                path.append(name)
        return getter or _member(path)

    def method(self, target: Getter, name: str) -> Getter:
        self.expect("(")
        key = name.lower()
        if key in _TRANSFORMS:
            self.expect(")")
            transform = _TRANSFORMS[key]
            return lambda doc: None if (v := target(doc)) is None else transform(str(v))
        if key in _STRING_METHODS:
            argument = self.or_()
            self.expect(")")
            test = _STRING_METHODS[key]

            def call(doc: Doc) -> bool:
                value, part = target(doc), argument(doc)
                return value is not None and part is not None and test(str(value), str(part))

            return call
        raise WhereError(f"Xero's filters have no method {name!r}")

    def datetime_literal(self) -> datetime:
        self.expect("(")
        parts = [self.expect("number").text]
        while self.peek().kind == ",":
            self.take()
            parts.append(self.expect("number").text)
        self.expect(")")
        if len(parts) not in (3, 6) or any("." in p or p.startswith("-") for p in parts):
            raise WhereError("DateTime takes year, month, day and optionally hour, minute, second")
        try:
            y, mo, d, h, mi, sec = [int(p) for p in parts] + [0] * (6 - len(parts))
            return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
        except ValueError as exc:
            raise WhereError(f"DateTime({', '.join(parts)}) is not a date: {exc}") from None


@dataclass(frozen=True)
class _Guid:
    """A Guid("...") literal: equal to an id whatever the letter case."""

    value: str


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _member(path: list[str]) -> Getter:
    def get(doc: Doc) -> Any:
        value: Any = doc
        for name in path:
            if not isinstance(value, dict):
                return None
            value = _lookup(value, name)
        return value

    return get


def _lookup(mapping: dict[str, Any], name: str) -> Any:
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if key.lower() == lowered:
            return value
    return None


def _truth(value: Any) -> bool:
    return value is True


def _compare(left: Any, op: str, right: Any) -> bool:
    left, right = _comparable(left, right)
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
        if op == "<":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides as one kind: ids lower-cased, dates as datetimes, numbers as Decimal."""
    if isinstance(left, _Guid) or isinstance(right, _Guid):
        return _as_guid(left), _as_guid(right)
    if isinstance(left, datetime) or isinstance(right, datetime):
        return _as_datetime(left), _as_datetime(right)
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return _as_decimal(left), _as_decimal(right)
    return left, right


def _as_guid(value: Any) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, _Guid) else str(value).lower()


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        day = parse_date(value)
    except (TypeError, ValueError):
        return None
    if day is None:
        return None
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    assert isinstance(day, date)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def compile_where(text: str) -> Callable[[Doc], bool]:
    """A predicate for the filter; raises WhereError when Xero would answer 400."""
    expression = _Parser(text).parse()
    return lambda doc: _truth(expression(doc))
