"""Docs that cannot rot: the CLI reference matches --help; the README's commands exist."""

from __future__ import annotations

import re
import subprocess
import sys

from newsdesk.cli import COMMANDS

from .conftest import ROOT


def test_cli_reference_is_current():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "cli_reference.py"), "--check"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_command_is_in_the_reference():
    text = (ROOT / "docs" / "reference" / "cli.md").read_text()
    for name in COMMANDS:
        assert f"## newsdesk {name}\n" in text


def test_readme_has_the_two_setup_commands_and_real_subcommands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", readme, re.S))
    used = set(re.findall(r"^(?:\$ )?newsdesk (?:--data \S+ )?([a-z]+)", code, re.M))
    assert used and used <= set(COMMANDS), used - set(COMMANDS)
