"""`docs/configuration.md`, rendered from `crpbot.config.Settings` so the two cannot drift.

Names, env vars, defaults and meanings come from the settings model itself (the same rows
`crpbot config show` prints, secrets masked); allowed values come from each field's type and
bounds. A test fails when the file differs from `render()` and loads the YAML example through
`load_settings`. Regenerate with `python -m crpbot_workers.docs --write`.
"""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from crpbot.config import Settings, describe_settings

DOC_PATH = Path("docs/configuration.md")

# Cross-field rules the validators enforce; test_settings proves each one is refused.
RULES: tuple[str, ...] = (
    "`risk.high_tier_per_hour` ≤ `risk.signals_per_hour`",
    "`risk.daily_loss_pct` < `risk.total_loss_pct`",
    "`confidence.medium` ≤ `confidence.high`",
)

YAML_EXAMPLE = """\
bot_name: demo
symbols: [BTC-USD, ETH-USD, SOL-USD]
database_url: postgresql+psycopg://crpbot@db:5432/crpbot
inference: torchserve
torchserve_url: http://crpbot-model-server:8080
risk:
  account_size: 100000
  signals_per_hour: 8
  high_tier_per_hour: 4
confidence:
  high: 0.7
  medium: 0.6
telegram:
  allowed_chats: [123456789]
telemetry:
  exporter: otlp
  otlp_endpoint: http://otel-collector:4318
"""

# pydantic keeps `Field(gt=…)` and friends as annotated-types objects with one attribute each.
_BOUNDS: tuple[tuple[str, str], ...] = (
    ("gt", "> {}"),
    ("ge", "≥ {}"),
    ("lt", "< {}"),
    ("le", "≤ {}"),
    ("min_length", "length ≥ {}"),
)


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldInfo]:
    """Every leaf field by dotted name, in declaration order (as `describe_settings`)."""
    leaves: dict[str, FieldInfo] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            leaves.update(_leaf_fields(annotation, prefix=f"{prefix}{name}."))
        else:
            leaves[f"{prefix}{name}"] = field
    return leaves


def _bound_text(constraint: object) -> str | None:
    for attribute, template in _BOUNDS:
        value = getattr(constraint, attribute, None)
        if value is not None:
            return template.format(f"{value:g}" if isinstance(value, float) else value)
    return None


def allowed_values(field: FieldInfo) -> str:
    """`a`, `b` for a Literal; the numeric or length bounds otherwise; `any` when free."""
    choices = typing.get_args(field.annotation) if _is_literal(field.annotation) else ()
    if choices:
        return ", ".join(f"`{choice}`" for choice in choices)
    bounds = [text for text in map(_bound_text, field.metadata) if text is not None]
    return ", ".join(bounds) or "any"


def _is_literal(annotation: object) -> bool:
    return typing.get_origin(annotation) is typing.Literal


def _cell(text: str) -> str:
    """Table-safe text: a bare `|` would split the cell."""
    return text.replace("|", "\\|")


def _table() -> list[str]:
    fields = _leaf_fields(Settings)
    lines = [
        "| setting | env var | default | allowed | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in describe_settings(Settings.model_construct()):
        default = f"`{row.value}`" if row.value else "(empty)"
        cells = (
            f"`{row.name}`",
            f"`{row.env}`",
            _cell(default),
            allowed_values(fields[row.name]),
            _cell(row.description) + (" **Secret.**" if row.secret else ""),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


_INTRO = """\
Every crpbot process (CLI, scanner, risk guard, Telegram bot) reads one settings model,
`crpbot.config.Settings` (pydantic-settings). Precedence, highest first:

1. `CRPBOT_*` environment variables; nested fields join with `__`
   (`risk.signals_per_hour` is `CRPBOT_RISK__SIGNALS_PER_HOUR`); lists are JSON
   (`CRPBOT_SYMBOLS='["BTC-USD","ETH-USD"]'`);
2. a YAML file: `crpbot --config FILE …`, `crpbot config show --config FILE` or
   `CRPBOT_CONFIG_FILE`;
3. the defaults below.

Unknown keys, values outside the allowed range and inconsistent combinations are refused
with a one-line error naming the field. `crpbot config show` (or `--json`) prints the
effective value of every setting, secrets masked."""

_SECRETS = """\
Secrets are masked by `crpbot config show` (a database URL keeps its user, host and
database and hides only the password) and redacted from every log line. In a cluster the
operator passes them as `CRPBOT_*` environment variables from Kubernetes Secrets, never
through the bot's ConfigMap."""


def render() -> str:
    """The whole document."""
    secrets = [row for row in describe_settings(Settings.model_construct()) if row.secret]
    lines = [
        "# Configuration reference",
        "",
        "<!-- generated by `python -m crpbot_workers.docs --write`; do not edit -->",
        "",
        _INTRO,
        "",
        "## Settings",
        "",
        *_table(),
        "",
        "Also refused:",
        "",
        *[f"- {rule}" for rule in RULES],
        "",
        "## Secrets",
        "",
        "Secret settings: " + ", ".join(f"`{row.env}`" for row in secrets) + ".",
        "",
        _SECRETS,
        "",
        "## Example YAML file",
        "",
        "```yaml",
        YAML_EXAMPLE.rstrip("\n"),
        "```",
    ]
    return "\n".join(lines) + "\n"
