"""`orbit acts`: the act codebook (the 20 CAMEO root acts), or one act with examples."""

from __future__ import annotations

import click

from orbitwatch.cli.common import State, finish, write
from orbitwatch.cli.help import command


@command("acts")
@click.argument("name", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md"]),
    default="text",
    show_default=True,
    help="md: the whole codebook as docs/acts.md.",
)
@click.pass_obj
def acts_cmd(state: State, name: str | None, fmt: str) -> int:
    """List the 20 acts (code, intensity, weight, meaning), or one act in full.

    One act shows its definition, what it is not, the CAMEO sub-codes that read apart,
    and two examples from real events of the shipped timelines.

    \b
    Examples:
      orbit acts
      orbit acts yield
      orbit acts 0874
      orbit acts --format md > docs/acts.md
    """
    from orbitwatch.app.acts import codebook
    from orbitwatch.render import acts as out

    found = codebook(name)
    if fmt == "md":
        write(out.markdown(found))
    elif name is None:
        write(out.table_lines(found))
        write(["\n", *out.general_lines()])
    else:
        kind, entry = found[0]
        write(out.entry_lines(kind, entry))
        write(["\n", *out.general_lines()])
    return finish(state)


COMMANDS = (acts_cmd,)
