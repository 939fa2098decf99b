"""Static checks of the three Dockerfiles (no Docker engine here): pins, stages, user, sources."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures.chart import REPO

MEMBERS = ("operator", "workers", "model-server")
NON_ROOT_UID = "10001"
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|build-essential|make|uv|pip install|git)\b")


@dataclass
class Stage:
    base: str
    alias: str | None
    lines: list[str] = field(default_factory=list)


def _logical_lines(text: str) -> list[str]:
    """Instructions with continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _stages(path: Path) -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(path.read_text()):
        instruction, _, rest = line.partition(" ")
        if instruction == "ARG" and not stages and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value.strip('"')
        elif instruction == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], parts[0])
            alias = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base, alias))
        elif stages:
            stages[-1].lines.append(line)
    return args, stages


def _package_name(member: str) -> str:
    project = tomllib.loads((REPO / member / "pyproject.toml").read_text())
    name: str = project["project"]["name"]
    return name


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_bases_are_pinned_and_multi_stage(member: str) -> None:
    _, stages = _stages(REPO / member / "Dockerfile")
    assert len(stages) >= 2, "build and final stages"
    aliases = {s.alias for s in stages if s.alias}
    for stage in stages:
        if stage.base in aliases:
            continue
        name, _, tag = stage.base.rpartition(":")
        assert name and tag and tag != "latest", f"unpinned base {stage.base}"
        assert re.search(r"\d+\.\d+", tag), f"{stage.base}: pin a version, not a moving tag"
    assert stages[-1].base.startswith("python:3.12.")


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_final_stage_runs_as_non_root_without_build_tools(member: str) -> None:
    _, stages = _stages(REPO / member / "Dockerfile")
    final = stages[-1]
    users = [line.split()[1] for line in final.lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] == NON_ROOT_UID
    assert any(f"--uid {NON_ROOT_UID}" in line for line in final.lines)
    for line in final.lines:
        if line.startswith(("RUN ", "COPY ")):
            assert not BUILD_TOOLS.findall(line), f"final stage brings build tools: {line}"
    copies = [line for line in final.lines if line.startswith("COPY ")]
    assert copies == ["COPY --from=build /opt/venv /opt/venv"]


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_installs_its_own_member_from_the_lock(member: str) -> None:
    _, stages = _stages(REPO / member / "Dockerfile")
    build = next(s for s in stages if s.alias == "build")
    syncs = [line for line in build.lines if "sync-venv " in line]
    package = _package_name(member)
    assert [line.split("sync-venv ", 1)[1] for line in syncs] == [f"{package} deps-only", package]
    script = (REPO / "hack" / "docker" / "sync-venv.sh").read_text()
    for flag in ("--frozen", "--no-dev", "--no-editable", '--package "$member"'):
        assert flag in script.replace("--package $member", '--package "$member"')


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_copy_sources_exist_and_reach_the_context(member: str) -> None:
    _, stages = _stages(REPO / member / "Dockerfile")
    allowed = [
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for stage in stages:
        for line in stage.lines:
            if not line.startswith("COPY ") or "--from=" in line:
                continue
            sources = [p for p in line.split()[1:-1] if not p.startswith("--")]
            for source in sources:
                assert (REPO / source).exists(), f"{member}: COPY {source} does not exist"
                top = source.rstrip("/")
                assert any(top == a or top.startswith(a + "/") for a in allowed), (
                    f"{member}: {source} is excluded by .dockerignore"
                )


def test_model_server_image_has_a_java_17_runtime() -> None:
    _, stages = _stages(REPO / "model-server" / "Dockerfile")
    assert any("openjdk-17-jre-headless" in line for line in stages[-1].lines)


def test_model_server_image_explains_the_cpu_wheel_choice() -> None:
    text = (REPO / "model-server" / "Dockerfile").read_text()
    assert "TORCH_INDEX_URL" in text and "CPU-only torch" in text


@pytest.mark.parametrize(("member", "default"), [("workers", "1"), ("model-server", None)])
def test_only_the_workers_image_leaves_torch_out_by_default(
    member: str, default: str | None
) -> None:
    """The workers' cluster commands never import torch; the model server's handler does."""
    _, stages = _stages(REPO / member / "Dockerfile")
    args = {
        line.split()[1].partition("=")[0]: line.split()[1].partition("=")[2]
        for stage in stages
        for line in stage.lines
        if line.startswith("ARG ")
    }
    assert args.get("WITHOUT_TORCH") == default


def _locked_requirements(uv: str, package: str, *extra: str) -> str:
    args = ["export", "--frozen", "--no-dev", "--no-default-groups", "--no-hashes"]
    done = subprocess.run(
        [uv, *args, "--package", package, *extra],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=60,
    )
    return done.stdout


def test_sync_script_finds_torch_in_the_lock_for_torch_images_only() -> None:
    """The export the CPU-wheel path parses works with the pinned uv and this uv.lock."""
    uv = shutil.which("uv") or str(REPO / ".venv" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("needs uv (hack/ensure-uv.sh)")
    for package, has_torch in (("crpbot-workers", True), ("crpbot-operator", False)):
        locked = _locked_requirements(uv, package)
        assert bool(re.search(r"^torch==\d", locked, re.MULTILINE)) is has_torch, package
    result = subprocess.run(["sh", "-n", str(REPO / "hack" / "docker" / "sync-venv.sh")])
    assert result.returncode == 0


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_bases_are_build_args_defaulting_to_public_images(member: str) -> None:
    """`make images` passes bases made here; without arguments the public ones are used."""
    args, stages = _stages(REPO / member / "Dockerfile")
    assert args["PYTHON_IMAGE"].startswith("python:3.12.")
    assert args["UV_IMAGE"].startswith("ghcr.io/astral-sh/uv:")
    text = (REPO / member / "Dockerfile").read_text()
    assert "FROM ${UV_IMAGE} AS uv" in text and "FROM ${PYTHON_IMAGE} AS build" in text
    assert not text.startswith("# syntax="), "a syntax directive pulls its frontend from a registry"
    assert len(stages) == 3


@pytest.mark.parametrize("member", MEMBERS)
def test_dockerfile_reads_the_ca_bundle_only_as_a_build_secret(member: str) -> None:
    _, stages = _stages(REPO / member / "Dockerfile")
    build = next(s for s in stages if s.alias == "build")
    syncs = [line for line in build.lines if "sync-venv " in line]
    assert all("--mount=type=secret,id=ca-bundle" in line for line in syncs)
    assert not any("ca-bundle" in line for line in stages[-1].lines)


@pytest.mark.parametrize("member", ("workers", "model-server"))
def test_torch_images_keep_numba_cache_on_the_writable_tmp(member: str) -> None:
    """The pods' root file system is read-only: numba's cache=True needs a writable folder."""
    _, stages = _stages(REPO / member / "Dockerfile")
    assert any("NUMBA_CACHE_DIR=/tmp/" in line for line in stages[-1].lines)


def _names(requirements: str) -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9._-]+)==", requirements, re.MULTILINE))


def test_sync_script_without_torch_leaves_out_torch_and_what_only_it_needs() -> None:
    """WITHOUT_TORCH=1 skips the locked packages `uv export --prune torch` drops: torch, its
    CUDA wheels and triton, and its own pure-Python needs, but nothing another package uses."""
    uv = shutil.which("uv") or str(REPO / ".venv" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("needs uv (hack/ensure-uv.sh)")
    locked = _names(_locked_requirements(uv, "crpbot-workers"))
    kept = _names(_locked_requirements(uv, "crpbot-workers", "--prune", "torch"))

    skipped = locked - kept

    assert {"torch", "triton", "sympy"} <= skipped
    assert any(name.startswith("nvidia-") for name in skipped)
    # Shared with the rest: jinja2 (bokeh), numpy, pandas stay.
    assert {"jinja2", "numpy", "pandas", "boto3"} <= kept
