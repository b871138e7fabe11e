"""The event schema is defined once (schema.py): every list of keys, columns and choices that
other modules use is derived from it, and the vocabularies are the model's Literal types."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import get_args, get_type_hints

import click

from orbitwatch.authoring import importing, write
from orbitwatch.cli import cli
from orbitwatch.model import event as model
from orbitwatch.model import schema
from orbitwatch.model.schema import EVENT_SCHEMA
from orbitwatch.render.data import CSV_FIELDS
from orbitwatch.render.ics import STATUS as ICS_STATUS
from orbitwatch.signals.scoring import CERTAINTY


def test_every_key_is_named_once_and_documented_in_one_line() -> None:
    names = [key.name for key in EVENT_SCHEMA]
    assert len(names) == len(set(names))
    for key in EVENT_SCHEMA:
        assert key.toml_type and key.default and key.meaning, key.name
        assert "\n" not in key.meaning and "|" not in key.meaning, key.name
    columns = [key.column for key in EVENT_SCHEMA if key.column]
    assert len(columns) == len(set(columns))


def test_the_known_keys_the_key_order_and_the_import_columns_come_from_the_schema() -> None:
    assert write.KEY_ORDER == schema.EVENT_KEYS
    assert schema.EVENT_KEYS == (
        "id", "date", "end", "title", "summary", "countries", "actors", "tags", "status",
        "warn", "sources", "acts", "signal",
    )  # fmt: skip
    assert set(schema.SOURCE_KEYS) == {"title", "publisher", "url", "author", "date"}
    assert schema.ACT_KEYS == ("by", "act", "to", "note")
    assert schema.SIGNAL_KEYS == ("stance", "weight", "note")
    assert set(importing.OWN_MAP) == set(schema.IMPORT_COLUMNS)


def test_every_export_column_imports_back() -> None:
    """Our CSV export's columns are schema columns, whole tables, or outputs import ignores."""
    tables = {"sources", "signal", "acts"}
    for column in CSV_FIELDS:
        assert column in importing.OWN_MAP or column in tables or column in importing.IGNORED


def test_vocabularies_are_literal_types_used_by_the_model() -> None:
    assert schema.STATUSES == get_args(schema.Status) == schema.choices_of("status")
    assert schema.STANCES == get_args(schema.Stance) == schema.choices_of("signal.stance")
    assert schema.ORIGINS == get_args(schema.Origin) == ("analyst", "act", "rule")
    assert get_args(schema.ReadingStance) == (*schema.STANCES, "mixed")
    hints = {
        cls.__name__: get_type_hints(cls, {**vars(schema), **vars(model)})
        for cls in (model.Event, model.SignalOverride, model.Reading)
    }
    assert hints["Event"]["status"] == schema.Status
    assert hints["SignalOverride"]["stance"] == schema.Stance
    assert hints["Reading"]["stance"] == schema.ReadingStance
    assert hints["Reading"]["origin"] == schema.Origin
    defaults = {f.name: f.default for f in dataclasses.fields(model.Event)}
    assert defaults["status"] == "occurred" and '"occurred"' in _key("status").default


def test_every_status_has_a_certainty_and_a_calendar_status() -> None:
    assert set(CERTAINTY) == set(schema.STATUSES) == set(ICS_STATUS)


def test_the_cli_choices_and_completions_come_from_the_schema() -> None:
    from orbitwatch.cli.completion import _values_for

    add = cli.commands["add"]
    choices = {
        param.name: tuple(param.type.choices)
        for param in add.params
        if isinstance(param.type, click.Choice)
    }
    assert choices["status"] == schema.STATUSES
    assert choices["stance"] == schema.STANCES
    empty = SimpleNamespace(events=[])
    assert _values_for("status", empty) == list(schema.STATUSES)  # type: ignore[arg-type]
    assert _values_for("stance", empty) == [*schema.STANCES, "none"]  # type: ignore[arg-type]


def _key(name: str) -> schema.Key:
    return next(key for key in EVENT_SCHEMA if key.name == name)
