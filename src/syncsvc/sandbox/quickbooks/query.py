"""QuickBooks' query language: `SELECT * | COUNT(*) FROM <Entity> [WHERE a = 'x' AND b IN
('y','z') AND MetaData.LastUpdatedTime > '...'] [ORDERBY f [DESC]] [STARTPOSITION n]
[MAXRESULTS n]` — no OR, no joins, one entity; values quoted; at most 1,000 a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from syncsvc.sandbox.quickbooks.wire import QboFault

Doc = dict[str, Any]
MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
# Lists answer only active records unless the query says otherwise.
ACTIVE_BY_DEFAULT = (
    "Customer",
    "Item",
    "Account",
    "PaymentMethod",
    "TaxCode",
    "TaxRate",
    "Vendor",
    "Employee",
)

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][\w.]*))"
)


def _parser_error(detail: str) -> QboFault:
    return QboFault(4000, "Error parsing query", f"QueryParserError: {detail}")


def _validation_error(detail: str) -> QboFault:
    return QboFault(4001, "Invalid query", f"QueryValidationError: {detail}")


@dataclass
class Condition:
    path: str
    op: str
    values: list[str]


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_RESULTS


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _parser_error(
                f'Encountered "{text[position : position + 10]}" at column {position + 1}.'
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() in words:
            self.at += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1].upper() != value):
            found = "end of query" if token is None else token[1]
            raise _parser_error(f'Encountered "{found}" where {value or kind} was expected.')
        self.at += 1
        return token[1]

    def integer(self) -> int:
        text = self.expect("number")
        if "." in text or int(text) < 1:
            raise _validation_error(f"{text} is not a positive integer")
        return int(text)


def _literal(reader: _Reader) -> str:
    kind, value = reader.peek() or ("", "")
    if kind == "string":
        reader.at += 1
        return value[1:-1].replace("\\'", "'")
    if kind in ("number", "word"):
        reader.at += 1
        return value
    raise _parser_error(f'Encountered "{value or "end of query"}" where a value was expected.')


def parse(text: str, known: Callable[[str], bool]) -> Query:
    """`known(entity)` says whether the entity can be queried (names are case-sensitive)."""
    reader = _Reader(_tokens(text))
    reader.expect("word", "SELECT")
    count = False
    if reader.keyword("COUNT"):
        reader.expect("punct")
        reader.expect("punct")
        reader.expect("punct")
        count = True
    else:
        reader.expect("punct")  # *
        while reader.peek() == ("punct", ","):  # `*, Sku`: every property is answered anyway
            reader.at += 1
            reader.expect("word")
    reader.expect("word", "FROM")
    entity = reader.expect("word")
    if not known(entity):
        raise _validation_error(f"Unable to identify entity: {entity}")
    query = Query(entity, count)
    if reader.keyword("WHERE"):
        while True:
            path = reader.expect("word")
            token = reader.peek()
            if reader.keyword("IN"):
                reader.expect("punct")
                values = [_literal(reader)]
                while reader.peek() == ("punct", ","):
                    reader.at += 1
                    values.append(_literal(reader))
                reader.expect("punct")
                query.conditions.append(Condition(path, "IN", values))
            elif reader.keyword("LIKE"):
                query.conditions.append(Condition(path, "LIKE", [_literal(reader)]))
            elif token is not None and token[0] == "op":
                reader.at += 1
                query.conditions.append(Condition(path, token[1], [_literal(reader)]))
            else:
                raise _parser_error(f'Encountered "{token[1] if token else "end"}" after {path}.')
            if reader.keyword("OR"):
                raise _parser_error('Encountered " "OR" "OR "" : OR is not supported.')
            if not reader.keyword("AND"):
                break
    if reader.keyword("ORDERBY") or (reader.keyword("ORDER") and reader.keyword("BY")):
        while True:
            path = reader.expect("word")
            descending = reader.keyword("DESC")
            if not descending:
                reader.keyword("ASC")
            query.order.append((path, descending))
            if reader.peek() != ("punct", ","):
                break
            reader.at += 1
    if reader.keyword("STARTPOSITION"):
        query.start = reader.integer()
    if reader.keyword("MAXRESULTS"):
        query.max_results = reader.integer()
        if query.max_results > MAX_RESULTS:
            raise _validation_error(
                f"value {query.max_results} is too large. Max allowed value is {MAX_RESULTS}"
            )
    leftover = reader.peek()
    if leftover is not None:
        raise _parser_error(f'Encountered "{leftover[1]}" at the end of the query.')
    return query


def _value(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict) and "value" in value:
        return value["value"]  # a reference compares by its Id
    return value


def _coerce(sample: Any, literal: str) -> Any:
    """The literal in the type of the field it is compared with."""
    try:
        if isinstance(sample, bool):
            return literal.lower() == "true"
        if isinstance(sample, datetime):
            parsed = datetime.fromisoformat(literal.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if isinstance(sample, (Decimal, int)):
            return Decimal(literal)
        if isinstance(sample, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", sample):
            return date.fromisoformat(literal[:10]).isoformat()
    except (ValueError, InvalidOperation):
        raise _validation_error(f"{literal!r} is not a valid value here") from None
    return literal


def _matches(doc: Doc, condition: Condition) -> bool:
    actual = _value(doc, condition.path)
    if actual is None:
        return False
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        actual = Decimal(str(actual))
    wanted = [_coerce(actual, literal) for literal in condition.values]
    if isinstance(actual, str):
        actual = actual.lower()
        wanted = [w.lower() if isinstance(w, str) else w for w in wanted]
    op = condition.op
    if op == "IN":
        return actual in wanted
    if op == "LIKE":
        pattern = "".join(".*" if c == "%" else re.escape(c) for c in str(wanted[0]))
        return re.fullmatch(pattern, str(actual), flags=re.DOTALL) is not None
    target = wanted[0]
    try:
        return bool(
            {
                "=": actual == target,
                "!=": actual != target,
                "<>": actual != target,
                "<": actual < target,
                ">": actual > target,
                "<=": actual <= target,
                ">=": actual >= target,
            }[op]
        )
    except TypeError:
        raise _validation_error(f"{condition.path} cannot be compared with {target!r}") from None


def _sort_key(doc: Doc, path: str) -> tuple[int, Any]:
    value = _value(doc, path)
    if path == "Id" and isinstance(value, str) and value.isdigit():
        return (0, int(value))
    if value is None:
        return (1, "")
    return (0, value)


# Fields whose literals are checked before any record is read, so a bad date is refused
# whether or not anything would match.
DATE_FIELDS = ("TxnDate", "DueDate", "ShipDate")
DATETIME_FIELDS = ("MetaData.CreateTime", "MetaData.LastUpdatedTime")


def run(query: Query, docs: list[Doc]) -> tuple[list[Doc], int]:
    """The page of matching documents and how many matched in all."""
    conditions = list(query.conditions)
    for condition in conditions:
        sample: Any = None
        if condition.path in DATE_FIELDS:
            sample = "2000-01-01"
        elif condition.path in DATETIME_FIELDS:
            sample = datetime(2000, 1, 1, tzinfo=UTC)
        if sample is not None:
            for literal in condition.values:
                _coerce(sample, literal)
    if query.entity in ACTIVE_BY_DEFAULT and not any(c.path == "Active" for c in conditions):
        conditions.append(Condition("Active", "=", ["true"]))
    found = [doc for doc in docs if all(_matches(doc, c) for c in conditions)]
    found.sort(key=lambda doc: _sort_key(doc, "Id"))
    for path, descending in reversed(query.order):
        found.sort(key=lambda doc, p=path: _sort_key(doc, p), reverse=descending)  # type: ignore[misc]
    start = query.start - 1
    return found[start : start + query.max_results], len(found)
