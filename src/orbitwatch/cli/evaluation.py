"""`orbit eval`: how well acts and rules agree with the analyst's own readings.

Parse options, call one app function (app/evaluation.py), render, map to an exit status.
"""

from __future__ import annotations

import click

from orbitwatch.cli.common import (
    State,
    finish,
    known_at_option,
    output_width,
    parse_query,
    scoring_day,
    write,
)
from orbitwatch.cli.completion import complete_terms
from orbitwatch.cli.help import command
from orbitwatch.cli.status import ExitStatus


@command("eval")
@click.argument("terms", nargs=-1, shell_complete=complete_terms)
@click.option(
    "--min-agreement",
    "min_agreement",
    type=click.FloatRange(0.0, 1.0),
    metavar="X",
    help="Exit 1 when the agreement is below X (0 to 1), e.g. in CI for your own timeline.",
)
@click.option(
    "--by",
    type=click.Choice(["country", "act", "year"]),
    help="Instead of the report, the readings per country, per act (what derived the reading: "
    "an act, a rule, or none) or per year of the event: readings, agreeing, agreement.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@known_at_option
@click.pass_obj
def eval_cmd(
    state: State,
    terms: tuple[str, ...],
    min_agreement: float | None,
    fmt: str,
    known_at: str | None,
    by: str | None = None,
) -> int:
    """Measure the readings: the analyst's own against what acts and rules derive.

    For every (event, watched country) with the analyst's reading ([signal] or [signal.XX]),
    the analyst's stance is compared with the acts' and rules' reading when the analyst's is
    set aside (neutral counts as none): confusion matrix, agreement, Cohen's kappa (with Landis
    and Koch's word for its range and the readings it rests on), precision per rule and per
    act, and every disagreement. Terms select the events; country: terms also choose whose
    readings count. No analyst's reading to compare exits 2.

    \b
    Examples:
      orbit init --example eval /tmp/eval && orbit --root /tmp/eval eval
      orbit eval country:AM,AZ,GE --format json
      orbit eval --min-agreement 0.85
      orbit eval --by country
      orbit eval --known-at 2022-05-20
    """
    from orbitwatch.app.evaluation import evaluate_timeline
    from orbitwatch.render.evaluation import evaluation_json, evaluation_text, groups_text
    from orbitwatch.render.layout import fit_lines

    query = parse_query(terms)
    found = evaluate_timeline(state.workspace, query, scoring_day(state, known_at))
    if fmt == "json":
        write(evaluation_json(found, by))
    elif by is not None:
        write(groups_text(found, by))
    else:
        write(fit_lines(evaluation_text(found), output_width(state, report=True)))
    if min_agreement is not None and found.agreement < min_agreement:
        click.echo(
            f"orbit: agreement {found.agreement:.3f} is below --min-agreement {min_agreement:g}",
            err=True,
        )
        return finish(state, ExitStatus.YES)
    return finish(state)


COMMANDS = (eval_cmd,)
