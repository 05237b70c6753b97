"""eks2ecs's own cfn-lint rules: ECS mistakes that cfn-lint misses and that would only fail at
deploy or run time. One rule per file; eks2ecs loads this folder into its cfn-lint runner,
and `cfn-lint --append-rules <this folder> cfn/*.yaml` loads it from the command line.

Files whose names start with `_` are helpers, not rules (cfn-lint skips them).
"""

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
