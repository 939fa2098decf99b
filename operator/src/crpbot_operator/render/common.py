"""Building blocks every child shares: names, labels, hardened pods.

Kept in one place so the security baseline (non-root, read-only root filesystem, no
capabilities, seccomp) cannot be forgotten by one child kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crpbot_operator.images import Images
from crpbot_operator.spec import Resources, TradingBotSpec
from crpbot_operator.telemetry import DEFAULT_TELEMETRY, Telemetry

Manifest = dict[str, Any]

MANAGED_BY = "crpbot-operator"
PART_OF = "crpbot"
APP_NAME = "crpbot"
RUN_AS = 10001
CONFIG_DIR = "/etc/crpbot"
CONFIG_FILE = f"{CONFIG_DIR}/config.yaml"
RISK_GUARD_PORT = 8000
MODEL_SERVER_PORT = 8080
MODEL_SERVER_METRICS_PORT = 8082
TELEGRAM_PORT = 8081
# Named ports Prometheus scrapes `/metrics` on (the chart's PodMonitor names them too): the
# risk guard serves it beside its API, the Telegram bot beside its health routes, TorchServe
# on its own metrics address.
HTTP_PORT_NAME = "http"
METRICS_PORT_NAME = "metrics"
RISK_TOKEN_KEY = "token"
MODEL_SERVER_KEY_KEY = "key"
MODEL_SERVER_KEY_ENV = "CRPBOT_TORCHSERVE_KEY"
RISK_TOKEN_SECRET = "risk-token"
MODEL_SERVER_KEY_SECRET = "model-server-key"
# (name suffix, data key) of each random token Secret the operator creates once per bot.
TOKEN_SECRETS = (
    (RISK_TOKEN_SECRET, RISK_TOKEN_KEY),
    (MODEL_SERVER_KEY_SECRET, MODEL_SERVER_KEY_KEY),
)
BOT_API_GROUP = "crpbot.io"
BOT_PLURAL = "tradingbots"

COMPONENT_SCANNER = "scanner"
COMPONENT_MODEL_SERVER = "model-server"
COMPONENT_RISK_GUARD = "risk-guard"
COMPONENT_TELEGRAM = "telegram"
COMPONENT_CONFIG = "config"
COMPONENT_NETWORK = "network"
NAMESPACE_ENV = "K8S_NAMESPACE_NAME"
POD_NAME_ENV = "K8S_POD_NAME"
RESOURCE_ENV = "OTEL_RESOURCE_ATTRIBUTES"


@dataclass(frozen=True)
class BotContext:
    """What every renderer needs: who the bot is, what it asks for, which images to run."""

    name: str
    namespace: str
    spec: TradingBotSpec
    images: Images
    config_hash: str = ""
    telemetry: Telemetry = DEFAULT_TELEMETRY

    def child(self, component: str) -> str:
        return f"{self.name}-{component}"

    def service_url(self, component: str, port: int) -> str:
        return f"http://{self.child(component)}.{self.namespace}.svc:{port}"


def selector_labels(ctx: BotContext, component: str) -> dict[str, str]:
    """The stable subset used in selectors (selectors are immutable on Deployments)."""
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": ctx.name,
        "app.kubernetes.io/component": component,
    }


def labels(ctx: BotContext, component: str) -> dict[str, str]:
    return {
        **selector_labels(ctx, component),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(ctx: BotContext, component: str, name: str | None = None) -> Manifest:
    return {
        "name": name or ctx.child(component),
        "namespace": ctx.namespace,
        "labels": labels(ctx, component),
    }


def resources(spec: Resources, default: Resources) -> Manifest:
    """Requests and limits, each field from the bot's spec where set, else the default."""
    out: Manifest = {}
    for part in ("requests", "limits"):
        given, fallback = getattr(spec, part), getattr(default, part)
        out[part] = {
            field: value
            for field in ("cpu", "memory")
            if (value := getattr(given, field) or getattr(fallback, field)) is not None
        }
    return out


def container_security() -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security() -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def secret_env(name: str, ref_name: str, ref_key: str) -> Manifest:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": ref_name, "key": ref_key}}}


def field_env(name: str, field_path: str) -> Manifest:
    """A variable the kubelet fills from the pod's own object (the downward API)."""
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": field_path}}}


def resource_env(ctx: BotContext, component: str, *, one_shot: bool = False) -> list[Manifest]:
    """Who emits: the OpenTelemetry resource of every metric and span of a workload.

    The SDK reads `OTEL_RESOURCE_ATTRIBUTES` itself. `namespace` and `bot` are the names the
    alert rules and dashboards group by (Prometheus's OTLP receiver promotes them to labels
    as they are; `k8s.namespace.name` would become `k8s_namespace_name`). A long-lived pod is
    its own instance. A one-shot pod (the scanner) must not be: its counters are pushed as
    deltas, and a receiver adds deltas up only within one stream, identified by the whole
    resource, so every run of a bot's scanner carries the same resource and no pod name.
    """
    namespace = f"$({NAMESPACE_ENV})"
    attrs = {"k8s.namespace.name": namespace, "namespace": namespace, "bot": ctx.name}
    env = [field_env(NAMESPACE_ENV, "metadata.namespace")]
    if one_shot:
        attrs["service.instance.id"] = ctx.child(component)
    else:
        env.append(field_env(POD_NAME_ENV, "metadata.name"))
        attrs["k8s.pod.name"] = attrs["service.instance.id"] = f"$({POD_NAME_ENV})"
    pairs = ",".join(f"{key}={value}" for key, value in attrs.items())
    return [*env, {"name": RESOURCE_ENV, "value": pairs}]


def worker_env(ctx: BotContext, component: str, *, one_shot: bool = False) -> list[Manifest]:
    """Secrets, the config file location and the telemetry every `crpbot` worker reads.

    A `one_shot` worker exits after one run, so it pushes its metrics (see
    `Telemetry.for_one_shot`) under a resource shared by all its runs.
    """
    env: list[Manifest] = [{"name": "CRPBOT_CONFIG_FILE", "value": CONFIG_FILE}]
    if ctx.spec.database is not None:
        ref = ctx.spec.database.secret_ref
        env.append(secret_env("CRPBOT_DATABASE_URL", ref.name, ref.key))
    else:
        # Only a bot stored before the CRD required `spec.database` gets here; it keeps
        # running as it did, and its status says NoDatabase instead of Ready.
        env.append({"name": "CRPBOT_DATABASE_URL", "value": "sqlite:////tmp/crpbot.db"})
    env.append(secret_env("CRPBOT_RISK_TOKEN", risk_token_secret(ctx), RISK_TOKEN_KEY))
    telegram = ctx.spec.telegram
    if telegram is not None and telegram.secret_ref is not None:
        ref = telegram.secret_ref
        env.append(secret_env("CRPBOT_TELEGRAM_TOKEN", ref.name, ref.key))
    telemetry = ctx.telemetry.for_one_shot() if one_shot else ctx.telemetry
    env.extend(telemetry.env())
    env.extend(resource_env(ctx, component, one_shot=one_shot))
    return env


def risk_token_secret(ctx: BotContext) -> str:
    """The Secret holding the bearer token shared by the risk guard and its callers."""
    return ctx.child(RISK_TOKEN_SECRET)


def model_server_key_secret(ctx: BotContext) -> str:
    """The Secret holding the bearer key the model server requires and the scanner sends."""
    return ctx.child(MODEL_SERVER_KEY_SECRET)


def model_server_key_env(ctx: BotContext) -> Manifest:
    """Only the model server and the scanner get this key: nothing else talks to TorchServe."""
    return secret_env(MODEL_SERVER_KEY_ENV, model_server_key_secret(ctx), MODEL_SERVER_KEY_KEY)


def config_volume(ctx: BotContext) -> Manifest:
    return {"name": "config", "configMap": {"name": ctx.child(COMPONENT_CONFIG)}}


def pod_spec(
    ctx: BotContext,
    service_account: str,
    containers: list[Manifest],
    extra_volumes: list[Manifest] | None = None,
    api_token: bool = False,
) -> Manifest:
    """A pod with the security baseline, /tmp as scratch and the bot config mounted.

    Only a pod that calls the Kubernetes API (`api_token`) gets its ServiceAccount's token.
    """
    hardened = [harden(c) for c in containers]
    return {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": api_token,
        "securityContext": pod_security(),
        "containers": hardened,
        "volumes": [
            {"name": "tmp", "emptyDir": {}},
            config_volume(ctx),
            *(extra_volumes or []),
        ],
    }


def harden(container: Manifest) -> Manifest:
    """The container baseline: non-root, read-only root, no capabilities, /tmp and config."""
    mounts = [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
        *container.get("volumeMounts", []),
    ]
    return {
        **container,
        "imagePullPolicy": "IfNotPresent",
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }


def pod_template(ctx: BotContext, component: str, spec: Manifest) -> Manifest:
    """Pods restart when the bot config changes: the hash of the config is an annotation."""
    return {
        "metadata": {
            "labels": labels(ctx, component),
            "annotations": {"crpbot.io/config-hash": ctx.config_hash},
        },
        "spec": spec,
    }
