"""The `eks2ecs` command line."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from translator import __version__, completion, config, secretcopy
from translator.config import DISCOVERY, HEALTH_CHECK_HELP, HEALTH_CHECKS
from translator.progress import Bar

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
REPORT_FORMATS = ("md", "html", "json", "sarif")

DESCRIPTION = """\
Translate Kubernetes manifests that ran on EKS into CloudFormation for ECS Fargate:
Deployments become task definitions and services, Services become Service Connect aliases,
HPAs become Application Auto Scaling, ExternalSecrets become Secrets Manager references,
Ingresses become ALB listener rules. Every template is validated with cfn-lint before
anything is written, and a report says what happened to every field.
"""

EPILOG = """\
examples:
  eks2ecs translate k8s/ -o cfn/                 translate a folder (recursively)
  helm template my-chart | eks2ecs translate - -o cfn/ -n shop
  kustomize build overlays/prod | eks2ecs translate - -o cfn/
  eks2ecs translate -k overlays/prod -o cfn/     the same: runs kustomize (or kubectl) itself
  eks2ecs translate -f k8s/ -R -o cfn/            kubectl style: -f, -R for subfolders
  eks2ecs translate --from-cluster --context prod -n shop -o cfn/
                                                 read a live cluster (Secrets: key names only)
  eks2ecs translate k8s/ -o cfn/ --format json   machine-readable summary on stdout
  eks2ecs report k8s/ --format md                the report without writing templates
  eks2ecs diff k8s/ --against cfn/               fail when cfn/ is stale or hand-edited
  eks2ecs secrets copy --from-cluster cfn/ --context prod   fill cfn/'s secrets from the cluster
  eks2ecs translate k8s/ -o cfn/ --strict --ignore 'PersistentVolumeClaim/data'
  eks2ecs report k8s/ --format sarif -o eks2ecs.sarif   lossy/unsupported fields for code scanning

exit status:
  0  translated (and validated); diff: the folder matches the translation
  1  needs a human: a generated template failed validation (nothing was written);
     with --strict, lossy or unsupported items remain after --ignore (the output is
     written, so report.md shows them); diff: the folder differs from the translation
  2  bad input or usage: the message names the file, line and object; also input with
     no object, and a kustomize folder or Helm chart given as manifests (it says what to run)
"""


class _Parser(argparse.ArgumentParser):
    """argparse, adding which command or flag a mistyped one most likely was."""

    def error(self, message: str) -> NoReturn:
        super().error(message + _did_you_mean(self, message))


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if choice:
        typed, known = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
    elif unknown:
        typed = next((a.split("=", 1)[0] for a in unknown.group(1).split()
                      if a.startswith("--")), "")
        parsers = [parser, *_subcommands(parser).values()]
        known = sorted({o for p in parsers for a in p._actions for o in a.option_strings
                        if o.startswith("--")})
    else:
        return ""
    close = difflib.get_close_matches(typed, known, n=1) if typed else []
    return f" (did you mean {close[0]}?)" if close else ""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps no public handle on the subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="eks2ecs", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"eks2ecs {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("sources", nargs="*", metavar="SRC",
                         help="manifest files or folders, read recursively (*.yaml, *.yml, "
                              "*.json); - for stdin")
        sub.add_argument("-f", "--filename", action="append", default=[], metavar="SRC",
                         help="as kubectl: a file, a folder (its own files; with -R its "
                              "subfolders too) or -; repeatable")
        sub.add_argument("-R", "--recursive", action="store_true",
                         help="read the folders given with -f recursively")
        sub.add_argument("--config", metavar="FILE",
                         help="options file (default: eks2ecs.yaml in the first folder given, "
                              "or beside the first file; for diff with no SRC, the options "
                              "translate recorded in --against DIR): every key is a flag's name "
                              "(cluster-name: x), flags on the command line win, ignore: adds "
                              "to --ignore")
        sub.add_argument("-k", "--kustomize", metavar="DIR",
                         help="as kubectl apply -k: translate what a kustomize folder builds "
                              "(runs `kustomize build DIR`, or `kubectl kustomize DIR` when "
                              "there is no kustomize); instead of SRC and -f")
        live = sub.add_argument_group(
            "reading a live cluster (instead of SRC) through your kubeconfig")
        live.add_argument("--from-cluster", action="store_true",
                          help="read the objects from the cluster of a kubeconfig context")
        secretcopy.kubeconfig_arguments(live)
        sub.add_argument("-n", "--namespace", metavar="NS", type=_namespace,
                         help="as kubectl: the namespace of objects that name none, as in "
                              "`helm template` or `kustomize build` output (default: "
                              "default); with --from-cluster, the namespace to read "
                              "(default: the context's)")
        live.add_argument("-A", "--all-namespaces", action="store_true",
                          help="read every namespace except kube-system, kube-public and "
                               "kube-node-lease")
        sub.add_argument("-l", "--selector", help="as kubectl: only the workloads whose labels "
                         "match (a=b,c!=d,e in (f,g),h notin (i),j,!k) and what they use; the "
                         "report lists the rest as left out")
        sub.add_argument("--only", action="append", default=[], metavar="KIND/NAME", help="this "
                         "workload (deploy/web, KIND/NS/NAME) and what it uses; repeatable")
        sub.add_argument("--name", dest="app_name", metavar="NAME",
                         help="prefix of stack and resource names: letters, digits and -, "
                              "starting with a letter, at most 64 (default: the namespace)")
        sub.add_argument("--cluster-name", metavar="NAME",
                         help="ECS cluster name: letters, digits, - and _ (default: "
                              "NAME-cluster)")
        sub.add_argument("--dns-namespace", metavar="DOMAIN",
                         help="Cloud Map private DNS domain, such as shop.internal (default: "
                              "<namespace>.local)")
        sub.add_argument("--region", default="us-east-1",
                         help="region whose resource types cfn-lint checks and whose prices "
                              "the cost estimate uses (default: us-east-1)")
        sub.add_argument("--health-check", choices=HEALTH_CHECKS, default="auto",
                         metavar="MODE", help=HEALTH_CHECK_HELP)
        sub.add_argument("--discovery", choices=DISCOVERY, default="serviceconnect", help="serviceconnect "
                         "(default: Service Connect aliases keep the names and ports) or cloudmap")
        sub.add_argument("--rwo-volumes", choices=("efs", "ebs"), default="efs",
                         help="ReadWriteOnce StatefulSet volumeClaimTemplates become a shared "
                              "EFS file system (default) or an ECS-managed EBS volume per task "
                              "(deleted with the task)")
        sub.add_argument("--no-exec", dest="exec_command", action="store_false",
                         help="leave ECS Exec off: by default every ECS service takes `aws ecs "
                              "execute-command` (the README shows the line per service) and "
                              "its task role may open the SSM channels that needs")
        sub.add_argument("--vpc-endpoints", action="store_true",
                         help="add a network stack, deployed first, of VPC endpoints (ECR, "
                              "logs, the secret stores read, ssmmessages for ECS Exec; S3 "
                              "gateway) so private tasks need no NAT gateway; the report "
                              "names every image and URL the endpoints cannot reach")

    translate = commands.add_parser(
        "translate", help="write CloudFormation, scripts and the report into a folder",
        description="Translate manifests and write templates, parameters.json.example, "
                    "deploy.sh, cleanup.sh, README.md, report.md, report.html and report.json.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    common(translate)
    translate.add_argument("-o", "--output", required=True, metavar="DIR", type=_output_folder,
                           help="output folder (created; replaced files only if eks2ecs wrote "
                                "them). Not -: the output is several templates, scripts and "
                                "the report; `eks2ecs report` prints the report on stdout")
    translate.add_argument("--no-validate", action="store_true",
                           help="skip cfn-lint (faster; for experiments, not for deploys)")
    translate.add_argument("--force", action="store_true",
                           help="write into a non-empty folder eks2ecs did not create")
    translate.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                           help="what to print on stdout, as cfn-lint does: text (default), "
                                "json (summary, or the findings), sarif (validation findings "
                                "for code scanning)")
    translate.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    _review_flags(translate)

    report = commands.add_parser(
        "report", help="print the report of what each object maps to",
        description="Translate in memory and print the report; writes no templates. "
                    "md and html are for people (one self-contained page), json is the "
                    "contract scripts read, sarif feeds code-scanning tools (one result per "
                    "lossy or unsupported field, at its manifest line).")
    common(report)
    report.add_argument("--format", choices=REPORT_FORMATS, default="md",
                        help="md (default), html, json or sarif")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    _review_flags(report)

    diff = commands.add_parser(
        "diff", help="compare a translation with an existing output folder (drift check)",
        description="Translate again in memory and compare with the folder an earlier\n"
                    "`translate` wrote: resources, parameters, conditions and outputs property\n"
                    "by property (layout, comments and key order do not count), plus\n"
                    "parameters.json.example, the scripts and the operator README. Pass the\n"
                    "options you translated with. Exit 0 when they match, 1 when they differ.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    common(diff)
    diff.add_argument("--against", required=True, metavar="DIR",
                      help="the output folder to check (what `translate -o DIR` wrote)")
    diff.add_argument("--format", choices=("text", "md", "json"), default="text")
    secretcopy.add_command(commands, _namespace)
    completion.add_command(commands)
    return parser


def _review_flags(sub: argparse.ArgumentParser) -> None:
    """Flags of the review: the cost estimate and what --strict lets through."""
    sub.add_argument("--prices", metavar="FILE",
                     help="price table over the bundled one of --region (YAML, the shape of "
                          "mappings/data/prices-us-east-1.yaml; any subset of prices)")
    sub.add_argument("--eks-node-cost", type=_amount, metavar="USD",
                     help="your monthly EKS node bill, for the cost comparison (default: pods "
                          "priced as EKS on Fargate sizes them: requests plus 256 MiB)")
    sub.add_argument("--strict", action="store_true",
                     help="exit 1 when any field is lossy or unsupported (after --ignore)")
    sub.add_argument("--ignore", action="append", default=[], metavar="RULE",
                     help="accept matching lossy or unsupported items (repeatable): "
                          "KIND[/NAME][:POINTER] as the report's object and field columns show "
                          "them, e.g. Deployment/web:/spec/template/spec/affinity; * matches "
                          "within a name or pointer token")


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected an amount in USD such as 140.16, not {text!r}")
    return value


def _namespace(value: str) -> str:
    from translator.models import DNS_LABEL  # the rule metadata.namespace is held to

    if len(value) > 63 or not re.fullmatch(DNS_LABEL, value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a Kubernetes namespace name "
                                         "(lowercase letters, digits and -, at most 63)")
    return value


def _output_folder(value: str) -> str:
    if value == "-":
        raise argparse.ArgumentTypeError(
            "the output is a folder of templates (one per stack), scripts and the report, not "
            "one stream: give a folder; `eks2ecs report ... --format json` writes to stdout")
    return value


def _options(args: argparse.Namespace, validate: bool) -> Any:
    from translator.context import Options

    return Options(app_name=args.app_name, cluster_name=args.cluster_name,
                   dns_namespace=args.dns_namespace, validate=validate, region=args.region,
                   prices=getattr(args, "prices", None), eks_node_cost=getattr(args, "eks_node_cost", None),
                   ignore=tuple(getattr(args, "ignore", ())),
                   namespace=getattr(args, "namespace", None) or "default",
                   rwo_volumes=getattr(args, "rwo_volumes", "efs"),
                   health_check=getattr(args, "health_check", "auto"), discovery=args.discovery,
                   exec_command=getattr(args, "exec_command", True),
                   vpc_endpoints=getattr(args, "vpc_endpoints", False),
                   selector=args.selector, only=tuple(args.only),
                   environments=config.environments(getattr(args, "environments", None),
                                                    getattr(args, "environments_at", None)),
                   workloads=config.overrides(getattr(args, "workloads", None),
                                              getattr(args, "workloads_at", None)),
                   # where report.html goes: its links to manifest lines start there
                   report_dir=args.output if args.command == "translate"
                   else os.path.dirname(getattr(args, "output", None) or "-") or ".")


def main(argv: Sequence[str] | None = None) -> int:
    from translator import signals

    with signals.handled():
        try:
            return _main(argv)
        except signals.Interrupted as stop:
            done = (f"the new output is complete in {stop.written}" if stop.written
                    else "nothing was written")
            print(f"eks2ecs: interrupted by {stop.name}; {done}", file=sys.stderr)
            return stop.exit_status


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "completion":
        sys.stdout.write(completion.script(parser, args.shell))
        return EXIT_OK
    if args.command == "secrets":
        return secretcopy.main(args)

    from pathlib import Path

    from translator import signals, write
    from translator.errors import InputError, ValidationFailed

    try:
        args = _configured(parser, args, argv)
        _check_sources(parser, args)
        if args.command == "translate":
            result = _translate(args, validate=not args.no_validate)
            files = _with_options(result, args)
            try:
                write.write(files, Path(args.output), args.force)
                _summary(result, args)
            except signals.Interrupted as stop:
                with signals.deferred():  # what the folder holds, said truly
                    stop.written = args.output if write.holds(files, Path(args.output)) \
                        else ""
                raise
        elif args.command == "diff":
            return _diff(args)
        else:
            result = _translate(args, validate=False)
            if args.format == "sarif":
                from translator.report_sarif import to_sarif

                text = to_sarif(result.plan, result.suppressions)
            else:
                text = result.files[f"report.{args.format}"]
            if args.output:
                try:
                    write.write_file(text, Path(args.output))
                except signals.Interrupted as stop:
                    with signals.deferred():
                        stop.written = args.output if write.file_holds(text, Path(args.output)) \
                            else ""
                    raise
            else:
                sys.stdout.write(text)
        return _strict(result, args)
    except InputError as exc:
        print(f"eks2ecs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationFailed as exc:
        _findings(exc.findings, args)
        return EXIT_INVALID


def _configured(parser: argparse.ArgumentParser, args: argparse.Namespace,
                argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments over the options file's values: parsed again with the file as defaults."""
    from pathlib import Path

    from translator import config
    from translator.errors import InputError

    path: Path | None
    if args.config is not None:
        path = Path(args.config)
        if not path.is_file():
            raise InputError("no such config file", args.config)
    elif args.command == "diff" and not args.sources and not args.filename \
            and args.kustomize is None and not args.from_cluster:
        path = Path(args.against) / config.RECORDED
        path = path if path.is_file() else None
    else:
        path = config.find([*args.sources, *args.filename])
    if path is None:
        return args
    values = config.load(path)
    subcommand = _subcommands(parser)[args.command]
    subcommand.set_defaults(**{k: v for k, v in values.items() if k != "ignore"})
    reparsed = parser.parse_args(argv)
    reparsed.ignore = [*values.get("ignore", []), *getattr(reparsed, "ignore", [])]
    return reparsed


def _with_options(result: Any, args: argparse.Namespace) -> dict[str, str]:
    """The output, with the options this run used recorded for `diff` and the hook."""
    from translator import config

    sources = [] if args.filename or args.kustomize is not None else list(args.sources)
    return {**result.files, config.RECORDED: config.recorded(args, sources, args.output)}


def _findings(findings: list[Any], args: argparse.Namespace) -> None:
    """Validation findings: on stderr, and on stdout too in the machine format asked for."""
    for finding in findings:
        print(f"eks2ecs: {finding}", file=sys.stderr)
    print(f"eks2ecs: {len(findings)} validation finding(s); nothing was written", file=sys.stderr)
    if args.command != "translate" or args.format == "text":
        return
    if args.format == "sarif":
        from translator.report_sarif import findings_sarif

        sys.stdout.write(findings_sarif(findings, args.output))
        return
    print(json.dumps({"output": None, "findings": [
        {"template": f.template, "pointer": f.pointer, "rule": f.rule, "severity": f.severity,
         "message": f.message,
         "source": None if f.source is None else {
             "file": f.source.file, "line": f.source.line, "object": f.source.obj,
             "field": f.source.field}} for f in findings]}, indent=2))


def _strict(result: Any, args: argparse.Namespace) -> int:
    """Warn about templates over the inline size and --ignore rules that matched nothing; with
    --strict, fail on what is open."""
    from translator import suppress

    for warning in result.warnings:
        print(f"eks2ecs: warning: {warning}", file=sys.stderr)
    for rule in result.suppressions.unused():
        print(f"eks2ecs: warning: --ignore {rule!r} matched nothing", file=sys.stderr)
    if not args.strict or not result.suppressions.open:
        return EXIT_OK
    for line in suppress.open_lines(result.suppressions):
        print(f"eks2ecs: {line}", file=sys.stderr)
    print(f"eks2ecs: --strict: {len(result.suppressions.open)} lossy or unsupported item(s) "
          "need a human; accept them with --ignore RULE", file=sys.stderr)
    return EXIT_INVALID


def _diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from translator import diff
    from translator.api import translate_manifests

    result = translate_manifests(_read(args), _options(args, validate=False))
    drift = diff.compare(result.files, Path(args.against))
    render = {"text": diff.to_text, "md": diff.to_markdown, "json": diff.to_json}[args.format]
    sys.stdout.write(render(drift))
    return EXIT_OK if drift.same else EXIT_INVALID


def _check_sources(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = [*args.sources, *args.filename]
    if args.kustomize is not None and (given or args.from_cluster):
        parser.error("-k reads a kustomize folder on its own, as kubectl's -k does: not with "
                     "SRC, -f or --from-cluster")
    if args.from_cluster == bool(given or args.kustomize is not None):
        parser.error("give manifests (SRC, -f or -k) or --from-cluster, not both and not neither")
    if given.count("-") > 1:
        parser.error("- (stdin) can be given once")
    if not args.from_cluster and (args.context or args.kubeconfig or args.all_namespaces):
        parser.error("--context, --kubeconfig and -A read a live cluster: add --from-cluster")
    if args.namespace and args.all_namespaces:
        parser.error("-n and -A exclude each other")


def _translate(args: argparse.Namespace, validate: bool) -> Any:
    """Translate what the arguments name, with a progress bar for a person watching."""
    from translator.api import translate_manifests

    watched = sys.stderr.isatty() and not getattr(args, "quiet", False)
    with Bar(sys.stderr, shown=watched) as bar:
        return translate_manifests(_read(args), _options(args, validate), bar)


def _read(args: argparse.Namespace) -> list[Any]:
    from translator import live, load
    from translator.errors import InputError

    if args.from_cluster:
        return live.read(args.context, args.namespace, args.all_namespaces, args.kubeconfig)
    if args.kustomize is not None:
        found = load.load_kustomized(args.kustomize)
    else:
        found = [*load.load(args.sources), *load.load(args.filename, recursive=args.recursive)]
    if not found:
        raise InputError(load.NO_OBJECTS, ", ".join(
            [args.kustomize] if args.kustomize is not None else [*args.sources, *args.filename]))
    return found


def _summary(result: Any, args: argparse.Namespace) -> None:
    from translator.report import summary as counts

    if args.format == "sarif":
        from translator.report_sarif import findings_sarif

        sys.stdout.write(findings_sarif(result.findings, args.output))  # none: it validated
        return
    if args.quiet and args.format == "text":
        return
    summary = counts(result.plan)  # what report.json says, without parsing it back
    if args.format == "json":
        from translator.config import RECORDED

        print(json.dumps({"output": args.output, "files": sorted([*result.files, RECORDED]),
                          "summary": summary}, indent=2))
        return
    statuses = ", ".join(f"{n} {s}" for s, n in summary["byStatus"].items())
    checked = "validated with cfn-lint" if not args.no_validate else "NOT validated"
    print(f"eks2ecs: {summary['objects']} objects ({statuses}) -> "
          f"{len(summary['templates'])} templates, {checked}, written to {args.output}/")
    print(f"eks2ecs: see {args.output}/report.md for what needs a human")
