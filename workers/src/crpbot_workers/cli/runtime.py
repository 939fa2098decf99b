"""The one line a command prints when an optional runtime it needs is not installed.

The workers image leaves torch out: its cluster commands (a scan with inference=torchserve,
the risk guard, the Telegram bot, the model fetch) never import it, and PyPI's torch would
bring gigabytes of CUDA wheels. Training, an in-process scan or the demo started there meet a
ModuleNotFoundError deep in the model code; the console script names the reason instead of
printing that traceback.
"""

from __future__ import annotations

TORCH = "torch"
NO_TORCH = (
    "this command needs torch, which is not installed here (the crpbot/workers image leaves it "
    "out: in a cluster the models run on the model server); run it where crpbot is installed "
    "with torch (`uv sync`, or the image built with --build-arg WITHOUT_TORCH=0), or scan with "
    "CRPBOT_INFERENCE=torchserve"
)


def missing_runtime(exc: ModuleNotFoundError) -> str | None:
    """The reason to show for `exc`, or None when it is not a known optional runtime (then it
    is a defect, whose traceback must stay visible)."""
    root = (exc.name or "").partition(".")[0]
    return NO_TORCH if root == TORCH else None
