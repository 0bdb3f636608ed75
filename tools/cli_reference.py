"""Write docs/reference/cli.md from the CLI's own --help texts.

    python tools/cli_reference.py          # rewrite the file
    python tools/cli_reference.py --check  # exit 1 if the file is out of date

tests/test_docs.py runs the check, so a command whose help changed or that is
missing from the reference fails the tests until the file is regenerated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newsdesk.cli import COMMANDS, cli

OUT = Path(__file__).resolve().parents[1] / "docs" / "reference" / "cli.md"


def _help(cmd: click.Command, path: list[str]) -> str:
    ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=88, max_content_width=88)
    return cmd.get_help(ctx)


def render() -> str:
    parts = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python tools/cli_reference.py`; do not edit by hand.",
        "",
        "## newsdesk",
        "",
        "```text",
        _help(cli, ["newsdesk"]),
        "```",
    ]
    ctx = click.Context(cli, info_name="newsdesk", obj={"data": "newsdesk-data"})
    for name in sorted(COMMANDS):
        cmd = cli.get_command(ctx, name)
        if cmd is None:
            continue
        parts += ["", f"## newsdesk {name}", "", "```text", _help(cmd, ["newsdesk", name]), "```"]
        if isinstance(cmd, click.Group):
            for sub in sorted(cmd.list_commands(ctx)):
                subcmd = cmd.get_command(ctx, sub)
                parts += ["", f"### newsdesk {name} {sub}", "", "```text",
                          _help(subcmd, ["newsdesk", name, sub]), "```"]
    return "\n".join(parts) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run python tools/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
