"""Start-up stays light, progress shows only to a person watching, and shell completion
completes: the command-line side of speed and comfort."""

from __future__ import annotations

import argparse
import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import EXAMPLE, REPO
from translator import cli

HEAVY = ("cfnlint", "jinja2", "kubernetes", "pydantic", "mappings", "translator.api")


def imported_by(*argv: str) -> set[str]:
    """Every module `python -m translator ARGV` imports, from -X importtime's report."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "translator", *argv],
                         cwd=REPO, capture_output=True, text=True, check=True)
    return {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["translate", "--help"]])
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    modules = imported_by(*argv)
    assert {"translator.cli", "argparse"} <= modules  # the report was read
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)
    assert heavy == [], f"eks2ecs {' '.join(argv)} imports {heavy}"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def translate_on_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                          *flags: str) -> tuple[int, str, str]:
    err, out = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    code = cli.main(["translate", str(EXAMPLE), "-o", str(tmp_path / "cfn"), *flags])
    return code, out.getvalue(), err.getvalue()


def test_progress_on_a_terminal_counts_each_stage_then_clears_its_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = translate_on_terminal(monkeypatch, tmp_path)
    assert code == 0
    shown = [part.removesuffix("\x1b[K") for part in err.split("\r") if part]
    assert shown[0].endswith(" objects loaded") and shown[0].startswith("eks2ecs: [")
    assert shown[1] == "eks2ecs: [########################] 5/5 templates rendered"
    assert shown[2:-1] == [f"eks2ecs: [{'#' * (24 * n // 5)}{'.' * (24 - 24 * n // 5)}] "
                           f"{n}/5 templates validated" for n in range(1, 6)]
    assert shown[-1] == "", "the line is cleared before the summary is printed"
    assert out.startswith("eks2ecs: 12 objects")


def test_no_progress_with_quiet_or_off_a_terminal(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert translate_on_terminal(monkeypatch, tmp_path, "-q")[1:] == ("", "")
    monkeypatch.undo()
    assert cli.main(["translate", str(EXAMPLE), "-o", str(tmp_path / "plain"), "--no-validate"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_on_a_real_pseudo_terminal(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    run = subprocess.run([sys.executable, "-m", "translator", "translate", str(EXAMPLE), "-o",
                          str(tmp_path / "cfn"), "--no-validate"], cwd=REPO, stderr=terminal,
                         stdout=subprocess.PIPE, text=True, check=True)
    os.close(terminal)
    shown = os.read(controller, 65536).decode()
    os.close(controller)
    assert "12/12 objects loaded" in shown and "5/5 templates rendered" in shown
    assert "validated" not in shown
    assert run.stdout.startswith("eks2ecs: 12 objects")


def complete(script: str, *words: str) -> list[str]:
    """What bash offers for the last of `words` once the completion script is loaded."""
    line = " ".join(f"'{w}'" for w in words)
    probe = (f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _eks2ecs\n"
             'printf "%s\\n" "${COMPREPLY[@]}"')
    run = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, check=True)
    return run.stdout.split()


def format_choices(command: str) -> list[str]:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [str(c) for a in commands.choices[command]._actions
            if "--format" in a.option_strings for c in a.choices or ()]


def test_bash_completion_offers_commands_flags_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert complete(script, "eks2ecs", "tr") == ["translate"]
    assert complete(script, "eks2ecs", "translate", "--for") == ["--force", "--format"]
    for command in ("translate", "report"):
        offered = complete(script, "eks2ecs", command, "--format", "")
        assert "json" in offered and offered == format_choices(command)
    assert complete(script, "eks2ecs", "completion", "") == ["bash", "zsh"]
    assert "--no-validate" in complete(script, "eks2ecs", "translate", "-")
    assert complete(script, "eks2ecs", "translate", "x") == []  # bash completes file names


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completes_through_bashcompinit(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["completion", "zsh"]) == 0
    script = capsys.readouterr().out
    # what zsh's _bash_complete sets before calling the function: words from 1, CURRENT
    probe = (f"{script}\nprint -r -- ${{_comps[eks2ecs]}}\nwords=(eks2ecs translate --for); "
             "CURRENT=3; COMP_WORDS=(\"${words[@]}\"); COMP_CWORD=$((CURRENT - 1)); _eks2ecs; "
             "print -l -- $COMPREPLY")
    run = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, check=True)
    registered, *offered = run.stdout.split()
    assert registered == "_bash_complete" and "_eks2ecs" in run.stdout.splitlines()[0]
    # zsh's compgen leaves filtering by the typed prefix to zsh: the flags of translate
    assert {"--force", "--format", "--no-validate"} <= set(offered)
    assert "completion" not in offered
