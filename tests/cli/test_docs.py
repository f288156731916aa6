"""The README's command list and `unionwatch --help` agree: every command is documented, every documented
command and option is real (after sqlite-utils' test_docs.py)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest

from pipeline.cli import cli
from tests.support.commands import installed
from tests.support.httpserver import LocalServer
from tests.support.paths import ROOT, corpus_path

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


def test_the_readme_main_command_runs_on_the_embedded_default(server: LocalServer, tmp_path: Path) -> None:
    """`unionwatch run` in the project folder, on the shipped config (topics, baseline, schedule, time zone);
    only the feeds (on loopback: tests reach no network), the data and the archive are moved, by the variables
    the README documents."""
    pages = sorted(corpus_path("extraction", "ru-news-html").glob("*.html"))[:6]
    entries = "".join(
        f"<item><title>Статья {n}</title><link>{server.add(f'/a/{n}.html', body=page.read_bytes(), content_type='text/html')}"
        "</link><pubDate>Tue, 24 Nov 2026 08:00:00 +0300</pubDate></item>"
        for n, page in enumerate(pages)
    )
    feed = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'
    )
    (tmp_path / "feeds.toml").write_text(
        f'[[feed]]\nname = "Loopback"\nurl = "{server.add("/feed.rss", body=feed.encode())}"\nlang = "ru"\n',
        encoding="utf-8",
    )
    done = installed(
        "run",
        "--now",
        "2026-11-30T06:00:00+00:00",  # Monday 09:00 in Minsk: the week of the items is due
        cwd=ROOT,
        UNIONWATCH_FEEDS=str(tmp_path / "feeds.toml"),
        UNIONWATCH_DATA_DIR=str(tmp_path / "data"),
        UNIONWATCH_DIGESTS_DIR=str(tmp_path / "digests"),
        UNIONWATCH_ALLOW_PRIVATE_URLS="1",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("crawl: 1 feed fetched, 0 not modified, 0 failed; 6 items new"), lines
    assert "articles: 6 extracted" in lines[0], lines[0]
    assert lines[1].startswith(f"digest 2026-W48: filed in {tmp_path / 'digests'} ("), lines[1]
    assert lines[-1] == "mail: no recipients configured (mail_to); the digest is filed only"
    filed = json.loads((tmp_path / "digests" / "2026" / "2026-W48.json").read_text(encoding="utf-8"))
    assert filed["week"] == "2026-W48"
    assert (tmp_path / "digests" / "index.html").exists()
    assert (tmp_path / "data" / "unionwatch.db").exists()
