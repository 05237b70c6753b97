"""No manifest string becomes a dynamic reference or a substitution through a parameter's
Default.

Manifest values that an operator may want to change at deploy time (images, IRSA role ARNs,
certificate ARNs) become parameters with the manifest's value as Default. CloudFormation
resolves `{{resolve:...}}` in the Parameters section as well
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html)
and cfn-lint refuses `${...}` there (E1029), yet a Default must be a plain string: it cannot
be the Fn::Join that `cfn.literal` makes of such a string everywhere else. So a default holding
either becomes empty, and every use of the parameter reads
`!If [<Name>Given, !Ref <Name>, <the manifest's value, joined from harmless pieces>]`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from translator.cfn import Equals, If, Intrinsic, Not, Ref, Sub, active, literal
from translator.plan import Stack


def guard(stack: Stack) -> None:
    """Rewrite the stack's parameters whose Default CloudFormation would not keep literal."""
    uses: dict[str, If] = {}
    for name, parameter in stack.parameters.items():
        default = parameter.default
        if not isinstance(default, str) or not active(default):
            continue
        given = f"{name}Given"
        stack.conditions[given] = Not(Equals(Ref(name), ""))
        uses[name] = If(given, Ref(name), literal(default))
        parameter.default = ""
        parameter.description += (" (empty: the manifest's value, kept literally; as a "
                                  "Default, CloudFormation would resolve it)")
        if parameter.allowed_pattern is not None:
            parameter.allowed_pattern = f"^$|{parameter.allowed_pattern}"
    if not uses:
        return
    for resource in stack.resources.values():
        resource.properties = _swap(resource.properties, uses)
    for output in stack.outputs.values():
        output.value = _swap(output.value, uses)


def _swap(value: Any, uses: dict[str, If]) -> Any:
    """`value` with each Ref of a guarded parameter (and each `${it}` of a Sub) replaced."""
    if isinstance(value, Ref):
        return uses.get(value.name, value)
    if isinstance(value, Sub):
        named = {k for k, _ in value.variables}
        wanted = [(name, use) for name, use in uses.items()
                  if "${" + name + "}" in value.template and name not in named]
        variables = tuple((k, _swap(v, uses)) for k, v in value.variables)
        return Sub(value.template, variables + tuple(wanted))
    if isinstance(value, Intrinsic) and dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: _swap(getattr(value, f.name), uses)
                                             for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {k: _swap(v, uses) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, uses) for v in value]
    if isinstance(value, tuple):
        return tuple(_swap(v, uses) for v in value)
    return value
