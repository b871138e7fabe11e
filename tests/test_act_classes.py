"""Issue 28's classes of readings, each on a real event: mediation, withdrawals, one act one
vote, cancelling acts, who gets readings, sub-national actors, convergence of acts, and the
act codebook tested against the act table."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.model.acts import ACT_KINDS, act_stances, sides
from orbitwatch.model.codebook import ENTRIES, undocumented
from orbitwatch.model.event import Act
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, run

EVAL = REPO / "src" / "orbitwatch" / "examples" / "eval"
SIDES = sides("RU", {"CSTO": "RU"}, ["CN", "US", "TR", "EU"])

SETTINGS = """
[signals]
pole = "RU"
counterweights = ["CN", "US", "TR", "EU"]

[blocs.CSTO]
name = "Collective Security Treaty Organization"
led_by = "RU"

[blocs.EU]
name = "European Union"
"""


def eval_event(relative: str, analyst: bool = False, **replace: str) -> str:
    """A real event of the evaluation timeline, without the analyst's readings unless asked,
    with some text replaced (to code the same act another way)."""
    text = (EVAL / "events" / relative).read_text("utf-8")
    if not analyst:
        text = text.split("\n[signal")[0] + "\n"
    for old, new in replace.items():
        assert old.replace("_", " ") in text or old in text, old
        text = text.replace(old, new)
    return text


def show(root: Path, event_id: str) -> str:
    result = run("show", event_id, root=root, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- mediation is not a pull ------------------------------------------------------------------

CEASEFIRE = "2020/2020-09-27-russia-calls-for-karabakh-ceasefire.toml"


def test_a_call_for_restraint_to_two_warring_states_reads_nothing(
    write_events: Callable[..., Path],
) -> None:
    # Russia's call of 27 September 2020 on Armenia and Azerbaijan to stop firing: coded by
    # its CAMEO sub-code (0256), by name beside the fighting, or by name alone.
    by_code = eval_event(CEASEFIRE)
    by_name = eval_event(CEASEFIRE, **{'act = "0256"': 'act = "appeal"'})
    alone = by_name.split('\n[[acts]]\nby = "AZ"')[0] + "\n"
    root = write_events(
        {
            "events/a.toml": by_code,
            "events/b.toml": by_name,
            "events/c.toml": alone,
        },
        SETTINGS,
    )
    assert "reading    none (no rule or act reads it)" in show(root, "a")
    assert "reading    none (no rule or act reads it)" in show(root, "b")
    # without the fighting in the event, an appeal by the pole is still its pull
    assert "AM ▼ toward weight 2, from act RU appeal AM" in show(root, "c")


# -- withdrawals at the country's request -------------------------------------------------------

ZVARTNOTS = "2024/2024-07-31-russian-border-guards-leave-zvartnots.toml"


def test_a_pole_that_withdraws_its_forces_reads_away(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/a.toml": eval_event(ZVARTNOTS),  # RU 0874 AM: border guards leave
            "events/b.toml": eval_event(ZVARTNOTS, **{'act = "0874"': 'act = "yield"'}),
            "events/c.toml": eval_event(ZVARTNOTS, **{'act = "0874"': 'act = "0871"'}),
            "events/d.toml": eval_event("2014/2014-06-03-us-hands-manas-base-to-kyrgyzstan.toml"),
        },
        SETTINGS,
    )
    assert "AM ▲ away weight 3, from act RU yield AM" in show(root, "a")
    # the root alone (a yield with no sub-code) and a ceasefire stay cooperative: toward
    assert "AM ▼ toward weight 3, from act RU yield AM" in show(root, "b")
    assert "AM ▼ toward weight 3, from act RU yield AM" in show(root, "c")
    # a counterweight leaving its base (the US at Manas, 0874) leaves the country to the pole
    assert "KG ▼ toward weight 3, from act US yield KG" in show(root, "d")


# -- one act, one vote ------------------------------------------------------------------------

BELARUS = "2021/2021-12-07-belarus-bans-western-food-imports.toml"


def test_an_act_votes_once_whatever_the_number_of_parties(
    write_events: Callable[..., Path],
) -> None:
    both = Act(("BY",), "reduce", ("EU", "US"), "163")
    one = Act(("BY",), "reduce", ("EU",), "163")
    assert act_stances(both, "BY", SIDES) == act_stances(one, "BY", SIDES) == [("toward", 1)]
    # parties on both sides still give both stances, once each: a deal with RU, CSTO and CN
    deal = Act(("KZ",), "cooperate", ("RU", "CSTO", "CN"))
    assert sorted(act_stances(deal, "KZ", SIDES)) == [("away", 3), ("toward", 3)]
    root = write_events(
        {
            "events/a.toml": eval_event(BELARUS),
            "events/b.toml": eval_event(BELARUS, **{'to = ["EU", "US"]': 'to = "EU"'}),
        },
        SETTINGS,
    )
    explained = run("signals", "--explain", "BY", "--as-of", "2022-01-31", "--format", "plain",
                    root=root).stdout  # fmt: skip
    rows = [line.split("\t") for line in explained.splitlines() if not line.startswith("#")]
    # both codings contribute the same: toward, weight 1, the same decay
    assert sorted((r[1], r[3], r[4], r[8]) for r in rows) == [
        ("a", "toward", "1", "-0.809"),
        ("b", "toward", "1", "-0.809"),
    ]


# -- cancelling acts --------------------------------------------------------------------------

UZBEKISTAN = "2021/2021-10-22-uzbekistan-no-need-to-rejoin-csto.toml"


def test_acts_that_cancel_are_named_in_show_explain_and_check(
    write_events: Callable[..., Path],
) -> None:
    # Uzbekistan rules out rejoining the CSTO (reject, away 2) and stresses security
    # cooperation with Russia (intend, toward 2): the sum is 0
    root = write_events({"events/uz.toml": eval_event(UZBEKISTAN)}, SETTINGS)
    name = "uz"
    shown = show(root, name)
    assert "reading    UZ none: the acts cancelled (UZ reject CSTO (away 2) + UZ intend RU " \
        "(toward 2) = 0)" in shown  # fmt: skip
    assert "no rule or act reads it" not in shown
    explained = run("signals", "--explain", "UZ", "--as-of", "2021-12-31", "--format", "plain",
                    root=root)  # fmt: skip
    assert (
        "# cancelled: uz (22 Oct 2021): UZ reject CSTO (away 2) + UZ intend RU (toward 2) = 0, "
        "no reading\n"
    ) in explained.stdout
    checked = run("check", root=root)
    assert checked.exit_code == 0
    assert checked.stderr.splitlines()[0] == (
        "events/uz.toml:1:1: warning: the acts cancel for UZ: UZ reject CSTO "
        "(away 2) + UZ intend RU (toward 2) = 0, so UZ gets no reading"
    )
    assert "(1 warning)" in checked.stderr
    # the analyst's own reading settles it: no warning
    labelled = write_events({"events/uz.toml": eval_event(UZBEKISTAN, analyst=True)}, SETTINGS)
    assert "warning" not in run("check", root=labelled).stderr


# -- who gets readings ------------------------------------------------------------------------


def test_only_countries_inside_the_pole_sphere_get_readings(
    write_events: Callable[..., Path],
) -> None:
    # The annexation of Crimea: RU coerce UA, and US disapprove RU. The US is a counterweight:
    # condemning Russia is not the US drifting away from Moscow.
    crimea = eval_event("2014/2014-03-18-russia-annexes-crimea.toml")
    root = write_events({"events/crimea.toml": crimea}, SETTINGS)
    shown = show(root, "crimea")
    assert "UA ▲ away weight 4, from act RU coerce UA" in shown
    assert "US ▲" not in shown
    signals = run("signals", "--as-of", "2014-12-31", "--format", "plain", root=root).stdout
    assert [line.split("\t")[0] for line in signals.splitlines()] == ["UA"]


# -- sub-national actors ----------------------------------------------------------------------


def test_a_region_declared_under_countries_reads_apart_from_its_state(
    write_events: Callable[..., Path],
) -> None:
    gagauzia = """date = "2024-03"
title = "Gagauzia's governor Evghenia Gutul meets Putin at the youth festival in Sochi"
countries = ["XG", "MD", "RU"]
status = "occurred"

[[acts]]
by = "XG"
act = "consult"
to = "RU"
note = "meets Putin and complains about Chisinau"

[[acts]]
by = "RU"
act = "intend"
to = "XG"
note = "Putin promises support, as Gutul reports it"

[[sources]]
title = "Governor of Gagauzia Evghenia Gutul met with the President of the Russian Federation"
publisher = "Executive Committee of Gagauzia (gder.md)"
url = "http://gder.md/eng/index.php?newsid=74"
date = "2024-03"
"""
    root = write_events(
        {"events/gagauzia.toml": gagauzia}, SETTINGS + '\n[countries]\nXG = "Gagauzia"\n'
    )
    shown = show(root, "gagauzia")
    assert "XG ▼ toward weight 2, from act RU intend XG" in shown
    assert "MD ▲" not in shown and "MD ▼" not in shown  # the state is not read from it


# -- convergence of independent acts ------------------------------------------------------------


def test_convergence_counts_independent_acts(example: Path) -> None:
    result = run("alerts", "--as-of", "2022-05-31", "--format", "plain", root=example)
    converging = sorted(
        (line.split("\t")[2], line.split("\t")[5])
        for line in result.stdout.splitlines()
        if "\tconvergence\t" in line
    )
    assert converging == [
        ("KG", "3 distinct away rules and acts within 90 days: act TR cooperate KG, "
               "symbolic-distancing, un-neutrality"),
        ("KZ", "3 distinct away rules and acts within 90 days: act KZ reduce EAEU, "
               "language-derussification, un-neutrality"),
        ("TJ", "3 distinct away rules and acts within 90 days: act TR cooperate TJ, "
               "act US aid TJ, un-neutrality"),
    ]  # fmt: skip


# -- the codebook -----------------------------------------------------------------------------


def test_every_act_is_in_the_codebook_with_real_examples() -> None:
    assert undocumented() == []
    assert [entry.name for entry in ENTRIES] == [kind.name for kind in ACT_KINDS]
    ids = {e.id for root in (REPO, EVAL) for e in load_timeline(root, use_cache=False).events}
    for entry in ENTRIES:
        assert entry.definition and entry.not_this, entry.name
        for event_id, coded in entry.examples:
            assert event_id in ids, (entry.name, event_id)
            assert coded


def test_orbit_acts_lists_and_shows_and_refuses_unknown_acts() -> None:
    listed = run("acts")
    assert listed.exit_code == 0
    assert "yield          08           +5  3       yield: concede, ease restrictions, " \
        "withdraw" in listed.stdout  # fmt: skip
    one = run("acts", "0874").stdout
    assert one.startswith("yield (CAMEO 08, intensity +5, weight 3)\n")
    assert "  example: 2014-06-03-us-hands-manas-base-to-kyrgyzstan: US 0874 KG" in one
    unknown = run("acts", "yeild")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("orbit: error: unknown act 'yeild' (did you mean 'yield'?)")
    assert "statement 01, appeal 02" in unknown.stderr


def test_docs_acts_md_is_the_codebook() -> None:
    expected = run("acts", "--format", "md").stdout
    page = REPO / "docs" / "acts.md"
    if os.environ.get("ORBIT_UPDATE_GOLDEN"):
        page.write_text(expected, "utf-8")
    assert page.read_text("utf-8") == expected
    assert re.findall(r"^## (\S+) \(\d\d\)$", expected, re.M) == [k.name for k in ACT_KINDS]


def test_an_unknown_act_in_add_lists_the_valid_ones(write_events: Callable[..., Path]) -> None:
    root = write_events({}, SETTINGS)
    result = run("add", "--date", "2024-07-31", "--title", "t", "--act", "RU withdraw AM",
                 root=root)  # fmt: skip
    assert result.exit_code == 2
    assert "unknown act 'withdraw'" in result.stderr
    assert "yield 08" in result.stderr


@pytest.mark.parametrize("relative", [CEASEFIRE, ZVARTNOTS, BELARUS])
def test_the_new_evaluation_events_are_sourced(relative: str) -> None:
    text = (EVAL / "events" / relative).read_text("utf-8")
    assert "[[sources]]" in text and "publisher" in text and "[signal." in text


def test_init_empty_writes_counterweights_and_blocs_commented(tmp_path: Path) -> None:
    assert run("init", str(tmp_path / "t"), "--empty").exit_code == 0
    settings = tmp_path / "t" / "orbit.toml"
    text = settings.read_text("utf-8")
    assert '# counterweights = ["CN", "US", "TR", "EU", "NATO"]' in text
    assert "# [blocs.NATO]" in text and '# XG = "Gagauzia"' in text
    # uncommented, they are valid settings
    text = text.replace("# counterweights", "counterweights")
    text = re.sub(
        r"^# (\[blocs\.\w+\]|name = .*|led_by = .*|members = .*)$", r"\1", text, flags=re.M
    )
    settings.write_text(text, "utf-8")
    checked = run("check", root=tmp_path / "t")
    assert checked.exit_code == 0, checked.stderr
