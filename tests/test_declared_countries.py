"""User-assigned country codes declared in orbit.toml (`[countries] XK = "Kosovo"`): accepted in
events, acts, queries, `add`, watch and counterweights, named where names are shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import run

SETTINGS = """
    [countries]
    XK = "Kosovo"

    [signals]
    pole = "RU"
    watch = ["XK", "RS"]
    counterweights = ["XK"]

    [[rules]]
    id = "kosovo-ties"
    title = "Ties with Kosovo"
    rationale = "Made up for a test."
    when = "country:Kosovo"
    stance = "away"
    weight = 1
    """
EVENTS = {
    "events/2023/a.toml": """
        date = 2023-03-01
        title = "Made-up test event between XK and RS"
        countries = ["XK", "RS"]

        [[acts]]
        by = "XK"
        act = "cooperate"
        to = "RS"
        """,
}


def test_declared_codes_are_accepted_queried_and_named(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(EVENTS, SETTINGS)
    assert run("check", root=root).stderr == "1 event, no problems\n"
    by_code = run("list", "country:XK", "--format", "ids", root=root)
    by_name = run("list", "country:kosovo", "--format", "ids", root=root)
    assert (by_code.stdout, by_name.stdout) == ("a\n", "a\n")
    assert "XK Kosovo, RS Serbia" in run("show", "a", root=root).stdout
    signals = run("signals", "--format", "plain", root=root).stdout
    assert signals.startswith("XK\tKosovo\t")


def test_add_accepts_a_declared_code_and_name(write_events: Callable[..., Path]) -> None:
    root = write_events(EVENTS, SETTINGS)
    added = run("add", "--date", "2023-04-01", "--title", "Another made-up event",
                "--country", "Kosovo", "--country", "RS", root=root)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    written = next((root / "events").rglob("*another-made-up-event.toml")).read_text()
    assert "XK" in written and "Kosovo" not in written


def test_undeclared_user_assigned_codes_say_how_to_declare(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(EVENTS, "")
    check = run("check", root=root)
    assert check.exit_code == 1
    assert check.stderr.splitlines()[:2] == [
        f"{root}/events/2023/a.toml:3:1: error: country code 'XK' is user-assigned; declare it "
        'under [countries] in orbit.toml (XK = "Name")',
        f"{root}/events/2023/a.toml:6:1: error: [[acts]] 'by': 'XK' is neither a country code "
        "nor a declared bloc; declare user-assigned codes under [countries] in orbit.toml",
    ]
    query = run("list", "country:XQ", root=root)
    assert query.exit_code == 2
    assert query.stderr == (
        "orbit: error: country 'XQ' in 'country:XQ' is a user-assigned code that orbit.toml "
        'does not declare\n\nDeclare it in orbit.toml:\n\n[countries]\nXQ = "Name"\n'
    )


def test_declaring_an_iso_code_or_a_reserved_one_is_refused(
    write_events: Callable[..., Path],
) -> None:
    settings = """
        [countries]
        XK = "Kosovo"
        KZ = "Kazakh steppe"
        EU = "Europe"
        XA = ""
        """
    root = write_events({}, settings)
    result = run("check", root=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        f"{root}/orbit.toml:3:1: error: [countries] KZ is ISO 3166-1's code for Kazakhstan; "
        "declare only user-assigned codes (AA, QM to QZ, XA to XZ and ZZ)",
        f"{root}/orbit.toml:4:1: error: [countries] 'EU' is not a user-assigned ISO 3166-1 code; "
        "use one of AA, QM to QZ, XA to XZ and ZZ (Kosovo is usually XK)",
        f'{root}/orbit.toml:5:1: error: [countries] XA needs a one-line name, e.g. "Kosovo"',
    ]


def test_a_declaration_change_is_not_served_stale_from_the_index(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(EVENTS, SETTINGS)
    assert run("list", "--format", "ids", root=root).stdout == "a\n"
    (root / "orbit.toml").write_text("", encoding="utf-8")
    after = run("list", "--format", "ids", root=root)
    assert after.stdout == "" and "country code 'XK' is user-assigned" in after.stderr


def test_user_assigned_ranges() -> None:
    from orbitwatch.model.countries import ALPHA_2, is_user_assigned

    assigned = {a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    user = {c for c in assigned if is_user_assigned(c)}
    assert len(user) == 1 + 14 + 26 + 1 and not user & ALPHA_2
    assert {"AA", "QM", "QZ", "XA", "XK", "XZ", "ZZ"} <= user and "QL" not in user


def test_a_rule_naming_a_declared_country_reads_events_outside_the_cli(
    write_events: Callable[..., Path],
) -> None:
    import datetime as dt

    from orbitwatch.model.countries import declared
    from orbitwatch.signals.readings import readings
    from orbitwatch.timeline.load import load_timeline

    root = write_events(
        {
            "events/2023/b.toml": """
                date = 2023-05-01
                title = "Made-up event read by a rule"
                countries = ["XK", "RS"]
                """
        },
        SETTINGS,
    )
    timeline = load_timeline(root)
    assert timeline.problems == [] and dict(declared()) == {}
    reading = readings(timeline.events, timeline.settings, dt.date(2023, 6, 1))["b"]
    assert reading.rules == ("kosovo-ties",)
    # XK is a counterweight here: the rule reads the countries inside the pole's sphere only
    assert reading.for_country("XK") is None and reading.for_country("RS") is not None
