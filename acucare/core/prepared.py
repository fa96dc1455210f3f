"""Fixed-shape reads whose SQL is compiled once per process, then run with new values.

Django builds and compiles a queryset's SQL every time it is evaluated. For the reads a
busy page makes on every request (one episode's plans, sessions, measurements, reviews),
building and compiling cost several times what the database takes to run them
(`bench/profile_pages.py --profile`). A `PreparedRead` builds its queryset once per
database and shape, with marker values in place of its parameters; it keeps the SQL, where
each marker went, and what Django needs to turn rows into objects (the select list, the
models of a `select_related`, the names of a `values()`). Each call runs that SQL with the
real values, through the connection's own cursor (so query counts and the debug log see
it), applies the columns' converters and builds the results the way Django's iterables do.

What a builder may do is checked when it is compiled, so a read that cannot be prepared
fails at its first use, in the tests, never with a wrong answer:
- its parameters are ids (int, for primary and foreign keys), public ids (UUID) or lists
  of them; a list's length is part of the shape (an empty list returns [] without a
  query, as Django does);
- everything else in the queryset is fixed: it is built twice with different markers, and
  the SQL and the other values must agree (a builder that read the clock would not);
- results are model instances (with `select_related`, `only`, `defer`), `values()`,
  `values_list()` or `values_list(flat=True)`; no prefetch, no composite keys.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, FullResultSet, MultipleObjectsReturned
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import ColPairs
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

Row = TypeVar("Row")
Value = int | uuid.UUID | Sequence[int] | Sequence[uuid.UUID]

# Marker values: far outside any id or public id the clinic will hold.
_INT_MARKER = -7_340_000_000_000
_UUID_MARKER = 0xACC0_CA4E << 96


def _marker(argument: int, element: int, kind: type) -> int | uuid.UUID:
    offset = argument * 10_000 + element
    return uuid.UUID(int=_UUID_MARKER + offset) if kind is uuid.UUID else _INT_MARKER - offset


def _scalar(value: object) -> type | None:
    if isinstance(value, uuid.UUID):
        return uuid.UUID
    if isinstance(value, int) and not isinstance(value, bool):
        return int
    return None


def _kind(name: str, value: object) -> tuple[type, int | None]:
    """(int or UUID, the list's length or None): the part of a value the SQL depends on."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar, None
    if isinstance(value, list | tuple):
        if not value:
            return int, 0
        kinds = {_scalar(v) for v in value}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop(), len(value)  # type: ignore[return-value]
    raise TypeError(
        f"prepared read parameter {name!r}: expected an int id, a UUID or a list of one of "
        f"them, got {type(value).__name__}"
    )


@dataclass(frozen=True)
class _Slot:
    position: int  # in the compiled parameters
    name: str
    element: int | None  # in a list parameter
    as_hex: bool  # a UUID the backend sends as its hex string (SQLite)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    columns: tuple[Any, ...]  # the select expressions, for the converters
    col_count: int
    result: str  # "model", "values", "values_list" or "flat"
    # The compiled parameters and where the real values go in them (set by `_prepare`).
    params: tuple[Any, ...] = ()
    slots: tuple[_Slot, ...] = ()
    model: Any = None
    init_list: tuple[str, ...] = ()
    model_slice: tuple[int, int] = (0, 0)
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()
    names: tuple[str, ...] = ()


def _compile(queryset: QuerySet[Any, Any], alias: str) -> tuple[_Compiled, tuple[Any, ...]]:
    """The SQL of `queryset` on `alias` and what turns its rows into results, with the
    parameters as compiled (markers included)."""
    if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        raise TypeError("a prepared read cannot prefetch")
    if queryset._known_related_objects:  # type: ignore[attr-defined]
        raise TypeError("a prepared read must start from a model's manager")
    iterable = queryset._iterable_class
    query = queryset.query
    compiler = query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet) as exc:
        # Django drops a condition whose value is outside its column's range: the
        # markers fit a 64-bit id column, not a small number.
        raise TypeError(
            "a prepared read's int parameters must filter id columns (primary or foreign "
            "keys): Django dropped a condition on its marker value"
        ) from exc
    select = compiler.select
    columns = tuple(s[0] for s in select[: compiler.col_count])
    if any(isinstance(c, ColPairs) for c in columns):
        raise TypeError("a prepared read cannot select a composite key")
    common: dict[str, Any] = {"sql": sql, "columns": columns, "col_count": compiler.col_count}
    if iterable is ModelIterable:
        info = compiler.klass_info
        assert info is not None
        fields = info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        compiled = _Compiled(
            **common,
            result="model",
            model=info["model"],
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            model_slice=(start, end),
            # (django-stubs describe Django 6's signature; 5.2 LTS takes these three)
            populators=tuple(get_related_populators(info, select, alias)),  # type: ignore[call-arg]
            annotations=tuple(compiler.annotation_col_map.items()),
        )
    elif iterable is ValuesIterable:
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        compiled = _Compiled(**common, result="values", names=names)
    elif iterable is ValuesListIterable:
        compiled = _Compiled(**common, result="values_list")
    elif iterable is FlatValuesListIterable:
        compiled = _Compiled(**common, result="flat")
    else:
        raise TypeError(f"a prepared read cannot return {iterable.__name__} results")
    return compiled, tuple(params)


class PreparedRead(Generic[Row]):
    """A read built by `build(**parameters)`, compiled once per database and shape.

    `build` must return the same queryset for the same parameters and use nothing else
    that changes (the clock, settings, the request): its other values are compiled in.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any, Row]], *, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        self._build = build
        self._using = using
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}
        self._lock = threading.Lock()
        # Converters hold the connection they were made for: one set per connection,
        # forgotten with it (each runserver thread has its own).
        self._converters: weakref.WeakKeyDictionary[
            BaseDatabaseWrapper, dict[tuple[Any, ...], list[tuple[int, list[Any], Any]]]
        ] = weakref.WeakKeyDictionary()

    def queryset(self, **values: Value) -> QuerySet[Any, Row]:
        """The same read as a plain queryset, compiled by Django as usual (for the tests
        that hold each prepared read to it, and for a one-off look in a shell)."""
        return self._build(**values)

    def one(self, **values: Value) -> Row | None:
        """The read's one row, or None: for a read by a unique key. More than one row is an
        error, as it is for `QuerySet.get`."""
        found = self(**values)
        if len(found) > 1:
            raise MultipleObjectsReturned(f"a prepared read by a unique key gave {len(found)} rows")
        return found[0] if found else None

    def __call__(self, **values: Value) -> list[Row]:
        shape = tuple(sorted((name, *_kind(name, v)) for name, v in values.items()))
        if any(length == 0 for _, _, length in shape):
            return []  # `id__in=[]` matches nothing; Django runs no query either
        connection = connections[self._using]
        key = (connection.alias, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._prepare(shape)
                self._compiled[key] = compiled
        params = list(compiled.params)
        for slot in compiled.slots:
            value = values[slot.name]
            if slot.element is not None:
                value = value[slot.element]  # type: ignore[index]
            params[slot.position] = value.hex if slot.as_hex else value  # type: ignore[union-attr]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return self._results(compiled, connection, key, rows)

    def _prepare(self, shape: tuple[tuple[str, type, int | None], ...]) -> _Compiled:
        """Compile the builder's queryset twice, with two sets of markers: the SQL and every
        value that is not a marker must agree, and each marker must be found."""
        runs = []
        for run in (0, 1):
            markers: dict[str, Any] = {}
            expected: dict[Any, tuple[str, int | None]] = {}
            for argument, (name, kind, length) in enumerate(shape):
                number = argument * 2 + run
                if length is None:
                    markers[name] = _marker(number, 0, kind)
                    expected[markers[name]] = (name, None)
                else:
                    markers[name] = [_marker(number, j, kind) for j in range(length)]
                    expected.update({m: (name, j) for j, m in enumerate(markers[name])})
            compiled, params = _compile(self._build(**markers), self._using)
            runs.append((compiled, *_locate(params, expected), params))
        (first, slots, fixed, params), (second, slots_2, fixed_2, _) = runs
        if first.sql != second.sql or fixed != fixed_2 or slots != slots_2:
            raise TypeError(
                "a prepared read's builder must depend on its parameters only: "
                "two builds gave different SQL or values"
            )
        return dataclasses.replace(first, params=params, slots=slots)

    def _converters_for(
        self, compiled: _Compiled, connection: BaseDatabaseWrapper, key: tuple[Any, ...]
    ) -> list[tuple[int, list[Any], Any]]:
        """The columns' converters (a date from SQLite's text, a decoded JSON field…) for
        this connection, as `SQLCompiler.get_converters` finds them."""
        found = self._converters.get(connection, {}).get(key)
        if found is None:
            found = [
                (i, convs, expression)
                for i, expression in enumerate(compiled.columns)
                if expression
                and (
                    convs := connection.ops.get_db_converters(expression)
                    + expression.get_db_converters(connection)
                )
            ]
            with self._lock:
                self._converters.setdefault(connection, {})[key] = found
        return found

    def _results(
        self,
        compiled: _Compiled,
        connection: BaseDatabaseWrapper,
        key: tuple[Any, ...],
        rows: list[Any],
    ) -> list[Any]:
        converters = self._converters_for(compiled, connection, key)
        width = compiled.col_count
        converted: list[list[Any]] = []
        for raw in rows:
            row = list(raw[:width])
            for position, convs, expression in converters:
                value = row[position]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[position] = value
            converted.append(row)
        if compiled.result == "flat":
            return [row[0] for row in converted]
        if compiled.result == "values_list":
            return [tuple(row) for row in converted]
        if compiled.result == "values":
            return [dict(zip(compiled.names, row, strict=False)) for row in converted]
        return _objects(compiled, connection.alias, converted)


def _locate(
    params: tuple[Any, ...], expected: dict[Any, tuple[str, int | None]]
) -> tuple[tuple[_Slot, ...], list[tuple[int, Any]]]:
    """Where each marker went among the compiled parameters (a UUID may have gone as its
    hex string), and the other, fixed, parameters; TypeError if a marker is missing."""
    slots: list[_Slot] = []
    fixed: list[tuple[int, Any]] = []
    found: set[Any] = set()
    by_hex = {m.hex: m for m in expected if isinstance(m, uuid.UUID)}
    for position, param in enumerate(params):
        marker = by_hex.get(param, param) if isinstance(param, str) else param
        if isinstance(marker, int | uuid.UUID) and marker in expected:
            name, element = expected[marker]
            slots.append(_Slot(position, name, element, as_hex=marker is not param))
            found.add(marker)
        else:
            fixed.append((position, param))
    missing = set(expected) - found
    if missing:
        names = sorted({expected[m][0] for m in missing})
        raise TypeError(
            f"prepared read parameter(s) {', '.join(names)} do not reach the SQL as "
            "given (a lookup that transforms its value cannot be prepared)"
        )
    return tuple(slots), fixed


def _objects(compiled: _Compiled, alias: str, rows: list[list[Any]]) -> list[Any]:
    """Model instances from converted rows, as `ModelIterable` builds them: the model's
    columns, then each `select_related` object, then any annotation."""
    start, end = compiled.model_slice
    init_list = list(compiled.init_list)
    found = []
    for row in rows:
        obj = compiled.model.from_db(alias, init_list, row[start:end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        found.append(obj)
    return found
