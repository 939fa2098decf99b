"""Which missing module the console script explains in one line, and which it lets through."""

from __future__ import annotations

import pytest

from crpbot_workers.cli.runtime import NO_TORCH, missing_runtime


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("torch", NO_TORCH),
        ("torch.nn", NO_TORCH),
        ("torch._C", NO_TORCH),
        ("torchserve_client", None),
        ("pandas", None),
        (None, None),
    ],
)
def test_missing_runtime_names_torch_only(name: str | None, expected: str | None) -> None:
    assert missing_runtime(ModuleNotFoundError("missing", name=name)) == expected
