"""Price tables for the cost estimate: a dated table per region bundled in mappings/data/,
and `--prices FILE` on top of it, key by key; a bad file is refused at its file:line."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from translator import rules
from translator.errors import InputError
from translator.load import construct_scalar

PRICE_KEYS = {
    "fargate_vcpu_hour": "Fargate Linux/x86_64, per vCPU-hour",
    "fargate_gb_hour": "Fargate Linux/x86_64, per GB-hour",
    "fargate_arm_vcpu_hour": "Fargate Linux/ARM64, per vCPU-hour",
    "fargate_arm_gb_hour": "Fargate Linux/ARM64, per GB-hour",
    "eks_cluster_hour": "EKS control plane, per cluster-hour",
    "alb_hour": "Application Load Balancer, per hour",
    "nat_gateway_hour": "NAT gateway, per hour",
    "vpc_interface_endpoint_hour": "interface VPC endpoint, per hour and Availability Zone",
}
PRICE_FIELDS = ("usd", "per", "date", "source")
TOP_FIELDS = ("region", "currency", "hours_per_month", "prices")

@dataclass(frozen=True)
class Price:
    usd: float
    per: str
    date: str | None
    source: str  # a URL, or the file that set the price


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    hours: float  # per month
    prices: dict[str, Price]
    files: tuple[str, ...]  # where the prices came from, bundled table first

    def monthly(self, key: str, count: float = 1) -> float:
        return self.prices[key].usd * self.hours * count


def bundled_path(region: str) -> Path:
    return Path(str(resources.files(rules.installed().package).joinpath(f"data/prices-{region}.yaml")))


def price_table(region: str, override: str | None = None) -> PriceTable | None:
    """The bundled table of `region`, with `override`'s entries on top. None when there is no
    table for the region and no file was given. Raises InputError (file:line) for a bad file."""
    bundled = bundled_path(region)
    table = None
    if bundled.is_file():
        label = f"{rules.installed().package}/data/{bundled.name}"
        table = _parse(bundled.read_text(encoding="utf-8"), label, None)
    if override is not None:
        try:
            text = Path(override).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read price table: {exc}", override) from None
        table = _parse(text, override, table)
        if table.region != region:
            raise InputError(f"prices are for region {table.region}, but the region is {region} "
                             "(set --region or the file's region)", override, 1)
    if table is None:
        return None
    missing = sorted(set(PRICE_KEYS) - set(table.prices))
    if missing:
        raise InputError(f"no price for {', '.join(missing)} in region {region}", table.files[-1])
    return table


class _Reader:
    """Values out of a composed YAML tree, each problem located at its line."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, node: yaml.Node, message: str) -> InputError:
        return InputError(message, self.file, node.start_mark.line + 1)

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be a single value")
        return construct_scalar(yaml.SafeLoader(""), node, self.file)

    def number(self, node: yaml.Node, what: str, low: float, high: float) -> float:
        value = self.scalar(node, what)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self.fail(node, f"{what} must be a number from {low:g} to {high:g}, not {value!r}")
        return float(value)

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) of a mapping node."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, what)
        return [(str(self.scalar(k, "a key")), k, v) for k, v in node.value]


def _parse(text: str, file: str, base: PriceTable | None) -> PriceTable:
    """A price table file, on top of `base` when given."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not YAML: {getattr(exc, 'problem', exc)}", file,
                         mark.line + 1 if mark else None) from None
    read = _Reader(file)
    if root is None:
        raise InputError("empty price table", file, 1)
    region, currency = (base.region, base.currency) if base else (None, "USD")
    hours = base.hours if base else 730.0
    prices = dict(base.prices) if base else {}
    for key, key_node, value_node in read.mapping(root, "a price table maps region, "
                                                  "hours_per_month and prices"):
        if key == "region":
            region = str(read.scalar(value_node, "region"))
        elif key == "currency":
            currency = str(read.scalar(value_node, "currency"))
        elif key == "hours_per_month":
            hours = read.number(value_node, "hours_per_month", 1, 744)
        elif key == "prices":
            for name, name_node, price_node in read.mapping(
                    value_node, "prices must map price names to {usd, per, date, source}"):
                if name not in PRICE_KEYS:
                    raise read.fail(name_node, f"unknown price {name!r}; known: {', '.join(PRICE_KEYS)}")
                prices[name] = _price(read, price_node, name)
        else:
            raise read.fail(key_node, f"unknown key {key!r}; expected one of {', '.join(TOP_FIELDS)}")
    if region is None:
        raise InputError("region is missing", file, 1)
    return PriceTable(region, currency, hours, prices, (base.files if base else ()) + (file,))


def _price(read: _Reader, node: yaml.Node, name: str) -> Price:
    values: dict[str, Any] = {}
    for key, key_node, value_node in read.mapping(
            node, f"{name} must be a mapping with usd (and per, date, source)"):
        if key not in PRICE_FIELDS:
            raise read.fail(key_node, f"unknown key {key!r} in {name}; expected {', '.join(PRICE_FIELDS)}")
        values[key] = (read.number(value_node, f"{name}.usd", 0, 1000) if key == "usd"
                       else str(read.scalar(value_node, f"{name}.{key}")))
    if "usd" not in values:
        raise read.fail(node, f"{name} has no usd")
    return Price(values["usd"], values.get("per", PRICE_KEYS[name]), values.get("date"),
                 values.get("source", read.file))
