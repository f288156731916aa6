"""The README's command list and `unionwatch --help` agree: every command is documented, every documented
command and option is real (after sqlite-utils' test_docs.py)."""

from __future__ import annotations

import re
import shlex

import click
import pytest

from pipeline.cli import cli
from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def real_commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Every command a user can run, by its full name ("feeds list"); groups themselves are not runnable."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= real_commands(command, f"{prefix}{name} ")
        else:
            found[prefix + name] = command
    return found


def documented_commands() -> dict[str, list[str]]:
    """The README's "Using it" block: full command name → the options its line shows.

    `unionwatch archive list | show WEEK | serve [--port 8000]` documents three subcommands of one group.
    """
    block = README.split("## Using it", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    found: dict[str, list[str]] = {}
    for line in block.splitlines():
        if not line.startswith("unionwatch "):
            continue
        code = line.split("  #", 1)[0].split(" > ", 1)[0][len("unionwatch ") :]
        group = ""
        for n, segment in enumerate(code.split(" | ")):
            words = shlex.split(segment.replace("[", " ").replace("]", " "))
            if n == 0 and isinstance(cli.commands.get(words[0]), click.Group):
                group, words = words[0] + " ", words[1:]
            found[group + words[0]] = [w for w in words[1:] if w.startswith("--")]
    return found


def test_every_command_is_documented_and_every_documented_command_is_real() -> None:
    real, documented = set(real_commands()), set(documented_commands())
    assert not real - documented, f"commands missing from the README's command list: {sorted(real - documented)}"
    assert not documented - real, f"the README documents commands that do not exist: {sorted(documented - real)}"


@pytest.mark.parametrize("name,options", sorted(documented_commands().items()))
def test_every_documented_option_is_real(name: str, options: list[str]) -> None:
    command = real_commands()[name]
    known = {opt for param in command.params for opt in param.opts}
    assert not set(options) - known, f"`unionwatch {name}` has no {sorted(set(options) - known)}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    test_command = next(c for c in commands if "pytest" in c and "pip install" in c)
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in [line.split(" || ", 1)[0] for line in lines], "CI does not run the README's test command"
