"""Run one container of a pod the operator rendered, with `docker run`, as a kubelet would.

What is carried over from the rendered container: image, command (with Kubernetes'
`$(VAR)` expansion), env (secret references resolved from a dict the test passes), CPU and
memory limits, the security context (user, read-only root, no capabilities, no privilege
escalation), and volumes (emptyDir and configMap become host folders mounted in place).

What differs, on purpose: containers share the host's network namespace (`--network host`),
because the test PostgreSQL and the Bot API stand-in listen on loopback only; listening ports
the test must choose (two runs side by side) are passed in `args_override`/`env`.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}
_VAR = re.compile(r"\$\((\w+)\)")


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (`512Mi`, `1Gi`, `1000000`) in bytes."""
    for suffix, factor in _UNITS.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(quantity)


def cpus(quantity: str) -> str:
    """A Kubernetes CPU quantity (`500m`, `2`) as `docker run --cpus`."""
    return str(int(quantity[:-1]) / 1000) if quantity.endswith("m") else quantity


def expand(value: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion of command arguments (unknown names stay as they are)."""
    return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)


def pod_spec_of(child: Manifest) -> Manifest:
    """The pod spec of a Deployment or a CronJob."""
    if child["kind"] == "CronJob":
        spec: Manifest = child["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    else:
        spec = child["spec"]["template"]["spec"]
    return spec


@dataclass
class PodRun:
    """One rendered container to run; `name` is the docker container's name."""

    name: str
    pod: Manifest
    container: Manifest
    config_maps: dict[str, dict[str, str]]
    secrets: dict[tuple[str, str], str]
    workdir: Path
    env_override: dict[str, str] = field(default_factory=dict)
    args_extra: list[str] = field(default_factory=list)
    mounts_extra: dict[str, Path] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The container's environment as the kubelet would give it: Secret keys, downward-API
        fields of this pod, and `$(NAME)` references to variables defined before."""
        out: dict[str, str] = {}
        for item in self.container.get("env", []):
            if "value" in item:
                out[item["name"]] = re.sub(
                    r"\$\((\w+)\)", lambda m: out.get(m[1], m[0]), item["value"]
                )
            elif "fieldRef" in item["valueFrom"]:
                out[item["name"]] = self._field(item["valueFrom"]["fieldRef"]["fieldPath"])
            else:
                ref = item["valueFrom"]["secretKeyRef"]
                out[item["name"]] = self.secrets[(ref["name"], ref["key"])]
        return out | self.env_override

    def _field(self, path: str) -> str:
        metadata = self.pod.get("metadata", {})
        if path.startswith("metadata.labels['"):
            return str(metadata.get("labels", {}).get(path[len("metadata.labels['") : -2], ""))
        fields = {
            "metadata.namespace": metadata.get("namespace", "default"),
            "metadata.name": metadata.get("name", self.container["name"]),
        }
        return str(fields.get(path, ""))

    def limits(self) -> dict[str, str]:
        limits: dict[str, str] = self.container["resources"]["limits"]
        return limits

    def _volume_args(self) -> list[str]:
        volumes = {v["name"]: v for v in self.pod.get("volumes", [])}
        args: list[str] = []
        for mount in self.container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            folder = self.workdir / self.name / mount["name"]
            folder.mkdir(parents=True, exist_ok=True)
            if "configMap" in volume:
                for key, text in self.config_maps[volume["configMap"]["name"]].items():
                    (folder / key).write_text(text)
            folder.chmod(0o777)  # emptyDir: writable by the pod's user (fsGroup's role)
            mode = ":ro" if mount.get("readOnly") else ""
            args += ["--volume", f"{folder}:{mount['mountPath']}{mode}"]
        for path, folder in self.mounts_extra.items():
            args += ["--volume", f"{folder}:{path}:ro"]
        return args

    def docker_args(self) -> list[str]:
        env = self.env()
        security = self.pod.get("securityContext", {}) | self.container.get("securityContext", {})
        memory = memory_bytes(self.limits()["memory"])
        args = ["docker", "run", "--detach", "--name", self.name, "--network", "host"]
        args += ["--memory", str(memory), "--memory-swap", str(memory)]
        args += ["--cpus", cpus(self.limits()["cpu"])]
        args += ["--user", f"{security['runAsUser']}:{security['runAsGroup']}"]
        if security.get("readOnlyRootFilesystem"):
            args.append("--read-only")
        if security.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        for cap in security.get("capabilities", {}).get("drop", []):
            args += ["--cap-drop", cap]
        for name, value in env.items():
            args += ["--env", f"{name}={value}"]
        args += self._volume_args()
        command = [expand(part, env) for part in self.container["command"]]
        args += ["--entrypoint", command[0], self.container["image"], *command[1:]]
        return args + self.args_extra


@dataclass(frozen=True)
class Outcome:
    """How a container ended (or stands), with the memory figure a failure message needs."""

    running: bool
    exit_code: int
    oom_killed: bool
    peak_memory: int
    limit: int
    logs: str

    def describe(self) -> str:
        state = "running" if self.running else f"exited {self.exit_code}"
        oom = ", OOM-killed" if self.oom_killed else ""
        return (
            f"{state}{oom}; peak memory {self.peak_memory / 2**20:.0f} MiB of a "
            f"{self.limit / 2**20:.0f} MiB limit\n--- logs (tail) ---\n{self.logs}"
        )


def start(run: PodRun) -> str:
    """Start the container; returns its id."""
    done = subprocess.run(run.docker_args(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"docker run {run.name}: {done.stderr.strip()}"
    return done.stdout.strip()


def outcome(name: str) -> Outcome:
    """State, OOM flag, cgroup peak memory (cgroup v1 or v2) and the last log lines."""
    raw = subprocess.run(
        ["docker", "inspect", name], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    info = json.loads(raw)[0]
    logs = subprocess.run(
        ["docker", "logs", "--tail", "40", name], capture_output=True, text=True, timeout=30
    )
    return Outcome(
        running=bool(info["State"]["Running"]),
        exit_code=int(info["State"]["ExitCode"]),
        oom_killed=bool(info["State"]["OOMKilled"]),
        peak_memory=_peak_memory(info["Id"]),
        limit=int(info["HostConfig"]["Memory"]),
        logs=(logs.stdout + logs.stderr)[-4000:],
    )


def _peak_memory(container_id: str) -> int:
    for path in (
        Path(f"/sys/fs/cgroup/memory/docker/{container_id}/memory.max_usage_in_bytes"),
        Path(f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.peak"),
    ):
        if path.exists():
            return int(path.read_text())
    return 0


def wait_exit(name: str, timeout_s: float) -> Outcome:
    """Block until the container stops (or the timeout), then report it with the highest
    memory figure seen while it ran (its cgroup, and the figure, go when it exits)."""
    deadline = time.monotonic() + timeout_s
    peak = 0
    state = outcome(name)
    while state.running and time.monotonic() < deadline:
        peak = max(peak, state.peak_memory)
        time.sleep(0.5)
        state = outcome(name)
    return replace(state, peak_memory=max(peak, state.peak_memory))


def stdout_of(name: str) -> str:
    """What the container wrote to stdout (its logs on stderr left out)."""
    done = subprocess.run(["docker", "logs", name], capture_output=True, text=True, timeout=30)
    return done.stdout


def remove(name: str) -> None:
    subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60)
