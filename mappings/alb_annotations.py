"""The AWS Load Balancer Controller's annotations on an Ingress: the ones it reads
(`alb.ingress.kubernetes.io/...`), and `actions.<name>` and `conditions.<name>` as listener
actions and listener-rule conditions, in the ELB API's own words."""

from __future__ import annotations

import json
from typing import Any

from translator.context import LOAD_BALANCER_STACK
from translator.load import escape_pointer_token
from translator.models import Ingress, Service
from translator.plan import Fragment, Target

PREFIX = "alb.ingress.kubernetes.io/"


def controller_annotations(ing: Ingress | Service, prefix: str = PREFIX) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in ing.metadata.annotations.items()
            if k.startswith(prefix)}


# what an actions.<name> annotation may say, in the ELB API's own words
ACTION_CONFIGS = {
    "redirect": ("RedirectConfig", {"Host", "Path", "Port", "Protocol", "Query", "StatusCode"}),
    "fixed-response": ("FixedResponseConfig", {"ContentType", "MessageBody", "StatusCode"}),
}


# conditions.<name> fields and the config each carries, in the ELB API's words
CONDITION_CONFIGS = {
    "host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig", "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig", "source-ip": "SourceIpConfig",
}


def _upper_keys(value: Any) -> Any:
    """The controller accepts camelCase keys; CloudFormation spells them in PascalCase."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _upper_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upper_keys(v) for v in value]
    return value


def _plain(config: Any) -> bool:
    """A condition config holds strings, lists of strings or of {Key, Value} strings only."""
    def ok(value: Any) -> bool:
        if isinstance(value, str):
            return True
        if isinstance(value, list):
            return all(ok(v) for v in value)
        return isinstance(value, dict) and set(value) <= {"Key", "Value"} \
            and all(isinstance(v, str) for v in value.values())
    return isinstance(config, dict) and bool(config) and all(ok(v) for v in config.values())


def annotation_conditions(ing: Ingress, name: str, frag: Fragment,
                          stack: str = LOAD_BALANCER_STACK) -> list[dict[str, Any]]:
    """Extra listener-rule conditions of a `conditions.<name>` annotation (headers, query
    strings, methods, source IPs), reported where they cannot be read."""
    key = f"conditions.{name}"
    raw = controller_annotations(ing).get(key)
    if raw is None:
        return []
    pointer = f"/metadata/annotations/{escape_pointer_token(PREFIX + key)}"
    try:
        parsed = _upper_keys(json.loads(raw))
    except json.JSONDecodeError:
        parsed = None
    conditions = []
    for item in parsed if isinstance(parsed, list) and parsed else [None]:
        field = item.get("Field") if isinstance(item, dict) else None
        config = CONDITION_CONFIGS.get(str(field))
        body = item.get(config) if isinstance(item, dict) and config else None
        if config is None or not _plain(body):
            frag.entry.unsupported(pointer, f"{key} must be a JSON list of conditions, each a "
                                   f"field ({', '.join(sorted(CONDITION_CONFIGS))}) and its "
                                   "config of strings")
            return []
        conditions.append({"Field": field, config: body})
    frag.entry.mapped(pointer, Target(stack, "/Resources"),
                      "conditions of the listener rules routing to it")
    return conditions


def annotation_action(ing: Ingress, name: str) -> dict[str, Any] | str:
    """The listener action of an `actions.<name>` annotation (backend port use-annotation),
    or why it cannot be one. The controller accepts keys in either case."""
    raw = controller_annotations(ing).get(f"actions.{name}")
    if raw is None:
        return f"use-annotation backend {name!r} has no actions.{name} annotation"
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return f"actions.{name} is not valid JSON"
    if not isinstance(parsed, dict):
        return f"actions.{name} is not a JSON object"
    action = _upper_keys(parsed)
    kind = str(action.get("Type", "")).lower()
    if kind == "forward" and isinstance(action.get("TargetGroupARN"), str):
        return {"Type": "forward", "TargetGroupArn": action["TargetGroupARN"]}
    if kind not in ACTION_CONFIGS:
        return (f"actions.{name}: only redirect, fixed-response and forward to a target group "
                "ARN are mapped (weighted forwards to Services: add a ListenerRule by hand)")
    key, allowed = ACTION_CONFIGS[kind]
    config = action.get(key)
    if not isinstance(config, dict) or not set(config) <= allowed \
            or not all(isinstance(v, str) for v in config.values()):
        return f"actions.{name}: {key} must hold only string {', '.join(sorted(allowed))}"
    return {"Type": kind, key: dict(sorted(config.items()))}
