"""The container runtime of the test cluster's real node: Debian's containerd (CRI plugin)
with its own root, state and socket, and CNI bridge + host-local networking.

It runs beside the Docker engine's own containerd without touching it. The root (images and
their unpacked layers) lives in the crpbot cache, so an image is imported once per machine;
the state, socket and CNI leases are per session. Only one session may use the root at a
time (a lock file), as containerd's metadata database allows one process.

What this machine needs (issue #14): `restrict_oom_score_adj` (a process here may not lower
its oom_score_adj; without it every sandbox fails in runc with "can't get final child's PID
from pipe: EOF") and a locally made pause image as `sandbox_image` (no registry).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.processes import stop_process

CNI_BIN_DIR = Path("/usr/lib/cni")  # Debian's containernetworking-plugins
BRIDGE = "crpbot0"
POD_SUBNET = "10.88.0.0/24"
# The host's address on the pod bridge, made before containerd starts: the kubelet refuses a
# loopback node IP, and this one is the node's InternalIP (where the API server reaches the
# kubelet), local to the machine and reachable from every pod.
NODE_IP = "10.88.0.1"
PAUSE_IMAGE = "crpbot-local/pause:1"
NAMESPACE = "k8s.io"  # containerd namespace the CRI plugin serves
DOCKER_ID_LABEL = "crpbot.io/docker-id"
NEEDED = ("containerd", "containerd-shim-runc-v2", "runc", "ctr")


class RuntimeUnavailableError(RuntimeError):
    """containerd cannot run here; the message says what is missing (tests skip with it)."""


def missing_runtime() -> str | None:
    """Why the node's runtime cannot start on this machine, or None when it can."""
    absent = [name for name in NEEDED if shutil.which(name) is None]
    absent += [
        f"{CNI_BIN_DIR}/{p}" for p in ("bridge", "host-local") if not (CNI_BIN_DIR / p).is_file()
    ]
    if absent:
        return f"missing {', '.join(absent)}; install with: hack/ensure-node-runtime.sh"
    if os.geteuid() != 0:
        return "the real node needs root (containerd, kubelet, network namespaces)"
    return None


def containerd_config(root: Path, state: Path, socket: Path, cni_conf_dir: Path) -> str:
    """containerd 1.6's config (version 2) for a CRI node with its own paths."""
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return "\n".join(
        [
            "version = 2",
            f'root = "{root}"',
            f'state = "{state}"',
            "[grpc]",
            f'  address = "{socket}"',
            f"[{cri}]",
            f'  sandbox_image = "{PAUSE_IMAGE}"',
            "  restrict_oom_score_adj = true",
            "  enable_cdi = false",
            f"[{cri}.containerd]",
            '  snapshotter = "overlayfs"',
            '  default_runtime_name = "runc"',
            f"[{cri}.containerd.runtimes.runc]",
            '  runtime_type = "io.containerd.runc.v2"',
            f"[{cri}.containerd.runtimes.runc.options]",
            "  SystemdCgroup = false",
            f"[{cri}.cni]",
            f'  bin_dir = "{CNI_BIN_DIR}"',
            f'  conf_dir = "{cni_conf_dir}"',
            "",
        ]
    )


def cni_conflist(ipam_dir: Path) -> dict[str, object]:
    """One bridge on the host with the pods' gateway, addresses leased in the session's folder."""
    return {
        "cniVersion": "0.4.0",
        "name": "crpbot-node",
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_SUBNET}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(ipam_dir),
                },
            },
            # Accepts the pods' traffic in FORWARD, whose policy the Docker engine sets to DROP
            # (bridged packets pass iptables here: br_netfilter is loaded).
            {"type": "firewall"},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


@dataclass
class Containerd:
    socket: Path
    root: Path
    state: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def endpoint(self) -> str:
        return f"unix://{self.socket}"

    @classmethod
    @contextmanager
    def started(cls, cache_dir: Path, log_dir: Path) -> Iterator[Containerd]:
        """Start containerd; on exit kill what runs in it, stop it and undo its mounts."""
        reason = missing_runtime()
        if reason:
            raise RuntimeUnavailableError(reason)
        root = cache_dir / "containerd-root"
        root.mkdir(parents=True, exist_ok=True)
        with _exclusive(cache_dir / "containerd.lock"):
            # A short path: a unix socket's path is limited to 107 bytes.
            state = Path(tempfile.mkdtemp(prefix="crpbot-ctd-"))
            netns_before = _cni_netns()
            _make_bridge()
            runtime = cls._spawn(root, state, log_dir)
            try:
                runtime.wait_ready(60)
                yield runtime
            finally:
                runtime.stop()
                unmount_under(
                    state, root, *(Path("/run/netns") / n for n in _cni_netns() - netns_before)
                )
                subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True, check=False)
                shutil.rmtree(state, ignore_errors=True)

    @classmethod
    def _spawn(cls, root: Path, state: Path, log_dir: Path) -> Containerd:
        conf_dir = state / "net.d"
        conf_dir.mkdir()
        (conf_dir / "10-crpbot.conflist").write_text(json.dumps(cni_conflist(state / "ipam")))
        socket = state / "containerd.sock"
        config = state / "config.toml"
        config.write_text(containerd_config(root, state / "state", socket, conf_dir))
        log = log_dir / "containerd.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["containerd", "--config", str(config), "--log-level", "info"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(socket, root, state / "state", log, process)

    def ctr(self, *args: str, stdin: int | None = None, timeout: float = 120) -> str:
        done = subprocess.run(
            ["ctr", "--address", str(self.socket), "--namespace", NAMESPACE, *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeUnavailableError(f"ctr {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeUnavailableError(f"containerd exited at start: {self.log_tail(5)}")
            if self.socket.exists():
                try:
                    self.ctr("version", timeout=5)
                    return
                except (RuntimeUnavailableError, subprocess.TimeoutExpired):
                    pass
            time.sleep(0.2)
        raise RuntimeUnavailableError(f"containerd did not answer within {timeout_s}s")

    def holds(self, image: str) -> bool:
        """Whether the CRI's namespace has this very build of a Docker engine image (its
        Docker image id is kept as a label, so a rebuilt image is not taken for the old one)."""
        image_id = docker_image_id(image)
        name = _qualified(image)
        return any(
            line.split()[0] == name and f"{DOCKER_ID_LABEL}={image_id}" in line
            for line in self.ctr("images", "ls").splitlines()[1:]
        )

    def import_docker_image(self, image: str) -> None:
        """Copy a Docker engine image into the CRI's namespace unless this very one is there:
        an unchanged image costs one `ctr images ls`, a rebuilt one is imported again, after
        the previous build of that name is removed (re-importing under the name left the old
        build's `sha256:<id>` reference, and with it its content: every rebuild of the 6 GB
        model-server image kept another 6 GB, until the disk was full)."""
        if self.holds(image):
            return
        self.remove_image(image)
        image_id = docker_image_id(image)
        name = _qualified(image)
        with subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE) as save:
            self.ctr(
                "images",
                "import",
                "-",
                stdin=save.stdout.fileno() if save.stdout else None,
                timeout=1800,
            )
        if save.returncode != 0:
            raise RuntimeUnavailableError(f"docker save {image} failed ({save.returncode})")
        self.ctr("images", "label", name, f"{DOCKER_ID_LABEL}={image_id}")

    def remove_image(self, image: str) -> None:
        """Drop an image, and the CRI plugin's own `sha256:<image id>` reference to the same
        manifest unless another name still uses it: that reference alone kept the content
        and snapshots (gigabytes) after a removal by name. containerd's GC then frees them."""
        name = _qualified(image)
        rows = [row.split()[:3] for row in self._quiet("images", "ls").splitlines()[1:]]
        refs = [(row[0], row[2]) for row in rows if len(row) == 3]
        named = {digest for ref, digest in refs if ref != name and not ref.startswith("sha256:")}
        orphaned = {digest for ref, digest in refs if ref == name} - named
        ids = [ref for ref, digest in refs if ref.startswith("sha256:") and digest in orphaned]
        self._quiet("images", "rm", "--sync", name, *ids)

    def import_pause_image(self, pause_dir: Path) -> None:
        """The sandbox image: the static `pause` of hack/build-node.sh alone on an empty base."""
        dockerfile = 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n'
        built = subprocess.run(
            ["docker", "build", "--quiet", "--tag", PAUSE_IMAGE, "--file", "-", str(pause_dir)],
            input=dockerfile,
            capture_output=True,
            text=True,
            # The classic builder: FROM scratch needs nothing else, and a lone Docker CLI
            # without the buildx plugin cannot build with BuildKit.
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
            check=False,
        )
        if built.returncode != 0:
            raise RuntimeUnavailableError(f"cannot build {PAUSE_IMAGE}: {built.stderr.strip()}")
        self.import_docker_image(PAUSE_IMAGE)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Kill every container (their shims outlive containerd otherwise), then containerd."""
        if self.process.poll() is None:
            for task in self._tasks():
                subprocess.run(["kill", "-9", task], capture_output=True, check=False)
            for container in self._quiet("containers", "ls", "-q").split():
                self._quiet("tasks", "rm", "-f", container)
                self._quiet("containers", "rm", container)
        stop_process(self.process, grace_s=20)

    def _quiet(self, *args: str) -> str:
        """A best-effort ctr call while tearing down: its output, or nothing when it fails."""
        try:
            return self.ctr(*args, timeout=30)
        except (RuntimeUnavailableError, subprocess.TimeoutExpired):
            return ""

    def _tasks(self) -> list[str]:
        """The host PIDs of the running tasks (column PID of `ctr tasks ls`)."""
        rows = self._quiet("tasks", "ls").splitlines()[1:]
        return [row.split()[1] for row in rows if len(row.split()) > 1 and row.split()[1] != "0"]


def docker_image_id(image: str) -> str:
    """The Docker engine's id of `image`: the label that tells one build from the next."""
    return subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _qualified(image: str) -> str:
    """The name containerd stores a Docker Hub-style reference under."""
    name = image if "/" in image else f"library/{image}"
    first = name.split("/", 1)[0]
    if "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return name


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeUnavailableError(
                f"another real node uses {lock.parent} (lock {lock})"
            ) from exc
        yield


def _make_bridge() -> None:
    """The pods' bridge with the node's address; one left by a killed session is replaced."""
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True, check=False)
    prefix = POD_SUBNET.split("/")[1]
    for command in (
        ["ip", "link", "add", BRIDGE, "type", "bridge"],
        ["ip", "addr", "add", f"{NODE_IP}/{prefix}", "dev", BRIDGE],
        ["ip", "link", "set", BRIDGE, "up"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeUnavailableError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def _cni_netns() -> set[str]:
    folder = Path("/run/netns")
    return {p.name for p in folder.glob("cni-*")} if folder.is_dir() else set()


def unmount_under(*paths: Path) -> None:
    """Lazily unmount what is left mounted below `paths` (deepest first), so they can be removed."""
    prefixes = tuple(str(p) for p in paths)
    mounts = [
        line.split()[1]
        for line in Path("/proc/self/mounts").read_text().splitlines()
        if line.split()[1].startswith(prefixes)
    ]
    for mount in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True, check=False)
    for path in paths:
        if path.parent == Path("/run/netns"):
            path.unlink(missing_ok=True)
