"""The TorchServe handler for both crpbot models, parametrized by the archive's model config.

One handler class serves the LSTM (direction, answers `p_up` = P(up)) and the Transformer
(answers `strength`, expected move in ATR units): both read the same windows, check them the
same way and differ only in the network and its output transform. Which one an archive holds
is `handler.kind` in its model-config.yaml (written by `archive.build_archives`), so the code
is identical in every archive and a wrong pairing is a config error at load time.

Only the hooks TorchServe calls are overridden:
- `initialize` rebuilds the network from the archive's own copy of the model code
  (`lstm.py`/`transformer.py`) and state_dict (`weights_only`, no pickle code), with the
  shapes `metadata.json` records;
- `preprocess` refuses a request without the server's bearer key (`crpbot_model_server.auth`,
  HTTP 401, body never parsed), then checks each request against the metadata
  (`crpbot_model_server.batch`);
- `inference` scales with the artifact's scaler exactly like the in-process backend;
- `postprocess` answers per request, with HTTP 400 (or 401) and the reason for a rejected one.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from ts.torch_handler.base_handler import BaseHandler

from crpbot.models.metadata import ArtifactMetadata
from crpbot.models.versions import read_metadata
from crpbot_model_server.auth import REFUSED, KeyCheck, load_key_check
from crpbot_model_server.batch import FloatArray, WindowBatch, collect, split_outputs

logger = logging.getLogger(__name__)

# kind -> (model code file, class name, answer key)
KINDS: dict[str, tuple[str, str, str]] = {
    "lstm": ("lstm.py", "LSTMDirection", "p_up"),
    "transformer": ("transformer.py", "TrendTransformer", "strength"),
}


def model_kind(yaml_config: dict[str, Any] | None) -> str:
    """`handler.kind` from the archive's model config; unknown or absent is a load error."""
    kind = ((yaml_config or {}).get("handler") or {}).get("kind")
    if kind not in KINDS:
        raise RuntimeError(f"model-config.yaml handler.kind must be one of {sorted(KINDS)}")
    return str(kind)


def build_network(kind: str, model_dir: Path, meta: ArtifactMetadata) -> torch.nn.Module:
    """The network from the archive's model code and weights, in eval mode."""
    code_file, class_name, _ = KINDS[kind]
    spec = importlib.util.spec_from_file_location(f"crpbot_archived_{kind}", model_dir / code_file)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {code_file} from {model_dir}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    network_class = getattr(module, class_name)
    n_features = len(meta.feature_names)
    if kind == "lstm":
        network = network_class(n_features, hidden=meta.train.hidden)
    else:
        network = network_class(n_features, meta.window, d_model=meta.train.hidden)
    state = torch.load(model_dir / f"{kind}.pt", map_location="cpu", weights_only=True)
    network.load_state_dict(state)
    network.eval()
    return network  # type: ignore[no-any-return]


class CrpbotHandler(BaseHandler):  # type: ignore[misc]
    """Serves one crpbot model (LSTM or Transformer) of one artifact version."""

    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.meta: ArtifactMetadata | None = None
        self._batch: WindowBatch | None = None
        self._keys = KeyCheck(None)

    def initialize(self, context: Any) -> None:
        """Load the key, metadata and weights once per worker; one torch thread per worker.

        Without a key (and no explicit insecure flag) the worker fails to load, so the server
        never answers /ping healthy with an open inference port.
        """
        self._keys = load_key_check(os.environ)
        model_dir = Path(context.system_properties["model_dir"])
        self.kind = model_kind(getattr(context, "model_yaml_config", None))
        threads = int(context.model_yaml_config["handler"].get("threads", 1))
        torch.set_num_threads(threads)
        self.meta = read_metadata(model_dir)
        self.device = torch.device("cpu")
        self.model = build_network(self.kind, model_dir, self.meta)
        self.context = context
        self.initialized = True
        logger.info(
            "model loaded",
            extra={
                "kind": self.kind,
                "model_version": self.meta.model_version,
                "auth": "bearer" if self._keys.key is not None else "off",
            },
        )

    def _metadata(self) -> ArtifactMetadata:
        if self.meta is None:
            raise RuntimeError("handler used before initialize")
        return self.meta

    def preprocess(self, data: list[dict[str, object]]) -> WindowBatch:
        """Refuse requests without the key, check the others; keep the valid windows."""
        denied = [
            index
            for index in range(len(data))
            if not self._keys.allows(self.context.get_all_request_header(index))
        ]
        if denied:
            logger.warning("inference refused: bad bearer key", extra={"requests": len(denied)})
        self._batch = collect(data, self._metadata(), denied, REFUSED)
        return self._batch

    def inference(self, data: WindowBatch, *args: Any, **kwargs: Any) -> FloatArray:
        """Scale like `crpbot.models.train.predict` and run the network once for the batch."""
        if data.windows.shape[0] == 0:
            return np.empty(0, dtype=np.float64)
        x = torch.from_numpy(self._metadata().scaler.transform(data.windows))
        with torch.no_grad():
            out = self.model(x)
            if self.kind == "lstm":
                out = torch.sigmoid(out)
        return out.numpy().astype(np.float64)  # type: ignore[no-any-return]

    def postprocess(self, data: FloatArray) -> list[str]:
        """JSON per request; a rejected request gets 400 (401 without the key) and the reason."""
        batch = self._batch
        if batch is None:
            raise RuntimeError("postprocess called without preprocess")
        output = KINDS[self.kind][2]
        answers = split_outputs(data, batch, output, self._metadata().model_version)
        for index, reason in batch.errors.items():
            self.context.set_response_status(401 if index in batch.denied else 400, reason, index)
        for index in range(len(answers)):
            self.context.set_response_content_type(index, "application/json")
        return [json.dumps(answer) for answer in answers]
