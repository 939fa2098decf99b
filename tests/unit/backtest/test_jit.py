"""The kernel cache's stamp: an edited source drops every compiled entry of the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from crpbot.backtest.jit import STAMP, drop_stale_cache

ENTRIES = ("loop.simulate-40.py312.nbi", "loop.simulate-40.py312.1.nbc", "sweep_loop.k-9.nbi")


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A package with compiled entries stamped for its current sources."""
    (tmp_path / "loop.py").write_text("def simulate(): ...\n")
    (tmp_path / "account.py").write_text("def fill(): ...\n")
    drop_stale_cache(tmp_path)
    for name in ENTRIES:
        (tmp_path / "__pycache__" / name).write_bytes(b"machine code")
    return tmp_path


def entries(package: Path) -> set[str]:
    return {path.name for path in (package / "__pycache__").iterdir() if path.name != STAMP}


def test_drop_stale_cache_keeps_entries_of_unchanged_sources(package: Path) -> None:
    assert drop_stale_cache(package) is False
    assert entries(package) == set(ENTRIES)


@pytest.mark.parametrize("edited", ["account.py", "loop.py", "new_helper.py"])
def test_drop_stale_cache_drops_every_entry_after_any_source_edit(
    package: Path, edited: str
) -> None:
    """An inlined helper's edit (account.py) must drop the loop's and the sweep's entries
    too: numba itself would only notice an edit of the cached function's own file."""
    (package / edited).write_text("def changed(): ...\n")

    assert drop_stale_cache(package) is True
    assert entries(package) == set()
    assert drop_stale_cache(package) is False


def test_drop_stale_cache_keeps_other_bytecode(package: Path) -> None:
    (package / "__pycache__" / "loop.cpython-312.pyc").write_bytes(b"bytecode")
    (package / "loop.py").write_text("def simulate(): return 1\n")

    drop_stale_cache(package)

    assert entries(package) == {"loop.cpython-312.pyc"}


def test_drop_stale_cache_leaves_a_read_only_install_alone(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (package / "loop.py").write_text("def simulate(): return 2\n")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(str(self))

    monkeypatch.setattr(Path, "unlink", refuse)

    assert drop_stale_cache(package) is False
