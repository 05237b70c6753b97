"""`eks2ecs completion bash|zsh`: a shell completion script written from the argument parser
itself, so every command, flag and choice is offered as soon as the parser has it."""

from __future__ import annotations

import argparse
import shlex

SHELLS = ("bash", "zsh")

USAGE = """\
load it in the current shell, or add the line to ~/.bashrc or ~/.zshrc:
  eval "$(eks2ecs completion bash)"
  eval "$(eks2ecs completion zsh)"
"""

# Completes the words of the command being typed: commands first, then the flags of the
# command, the choices of a flag or argument, folders for a DIR and files for anything else.
BASH = """\
_eks2ecs() {
    [[ -n ${ZSH_VERSION-} ]] && setopt local_options ksh_arrays  # index words from 0, as bash
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command= word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case " %(commands)s " in *" $word "*) command=$word; break ;; esac
    done
    case "$command $prev" in
%(values)s
    esac
    case "$command" in
%(words)s
    esac
}
complete -o default -F _eks2ecs eks2ecs
"""


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "completion", help="print a shell completion script (bash or zsh)",
        description="Print a script that completes eks2ecs commands, flags and their values.",
        epilog=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    bash = _bash(parser)
    if shell == "zsh":  # zsh runs bash completion functions through bashcompinit
        return "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + bash
    return bash


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _bash(parser: argparse.ArgumentParser) -> str:
    commands = _commands(parser)
    values: list[str] = []
    words = [_case("", _flags(parser) + sorted(commands))]
    for name, sub in commands.items():
        arguments: list[str] = []
        for action in sub._actions:
            if action.option_strings:
                pattern = "|".join(f"{shlex.quote(f'{name} {o}')}" for o in action.option_strings)
                if action.choices:
                    values.append(_case(pattern, [str(c) for c in action.choices], return_=True))
                elif action.metavar == "DIR":
                    values.append(f"        {pattern}) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;")
            elif action.choices:
                arguments.extend(str(c) for c in action.choices)
        # flags when the word starts with -, else the argument's choices (files when it has none)
        words.append(f"        {shlex.quote(name)}) if [[ $cur == -* ]]; then "
                     f"COMPREPLY=($(compgen -W {shlex.quote(' '.join(_flags(sub)))} -- \"$cur\"))"
                     + (f"; else COMPREPLY=($(compgen -W {shlex.quote(' '.join(arguments))} "
                        "-- \"$cur\"))" if arguments else "")
                     + "; fi ;;")
    return BASH % {"commands": " ".join(commands), "values": "\n".join(values),
                   "words": "\n".join(words)}


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [o for action in parser._actions for o in action.option_strings]


def _case(pattern: str, choices: list[str], return_: bool = False) -> str:
    label = pattern or '""'
    return (f"        {label}) COMPREPLY=($(compgen -W {shlex.quote(' '.join(choices))} "
            f"-- \"$cur\"))" + ("; return" if return_ else "") + " ;;")
