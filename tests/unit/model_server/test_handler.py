from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from crpbot.models.inference import InProcessBackend
from crpbot.models.wire import encode_windows
from crpbot_model_server.auth import INSECURE_ENV, KEY_ENV, AuthConfigError
from crpbot_model_server.handler import CrpbotHandler, model_kind
from tests.fixtures.artifacts import TinyArtifact
from tests.unit.model_server.conftest import AUTHORIZED, SERVER_KEY, Unpacked, make_context


def _request(
    artifact: TinyArtifact, rows: slice, names: list[str] | None = None
) -> dict[str, object]:
    body = {
        "feature_names": names if names is not None else list(artifact.samples.feature_names),
        "windows": artifact.samples.x[rows].astype(np.float64).tolist(),
    }
    return {"body": body}


def _binary(
    artifact: TinyArtifact, rows: slice, names: list[str] | None = None
) -> dict[str, object]:
    """What TorchServe hands the handler for the backend's application/octet-stream body."""
    feature_names = names if names is not None else list(artifact.samples.feature_names)
    return {"body": bytearray(encode_windows(artifact.samples.x[rows], feature_names))}


def _handle(
    unpacked: Unpacked, requests: list[dict[str, object]]
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    handler = CrpbotHandler()
    handler.initialize(make_context(unpacked, 1))
    context = make_context(unpacked, len(requests))
    answers = [json.loads(a) for a in handler.handle(requests, context)]
    statuses = [context.get_response_status(i) for i in range(len(requests))]
    return answers, statuses


@pytest.mark.parametrize(("kind", "key"), [("lstm", "p_up"), ("transformer", "strength")])
@pytest.mark.parametrize("first_body", [_request, _binary], ids=["json", "binary"])
def test_handler_predicts_like_the_in_process_backend_from_json_and_binary_bodies(
    unpacked: dict[str, Unpacked],
    artifact: TinyArtifact,
    kind: str,
    key: str,
    first_body: Callable[[TinyArtifact, slice], dict[str, object]],
) -> None:
    """A batch whose first request is JSON or the binary codec's body, the second JSON."""
    answers, statuses = _handle(
        unpacked[kind], [first_body(artifact, slice(0, 5)), _request(artifact, slice(5, 7))]
    )
    expected = InProcessBackend(artifact.model_dir).predict(
        artifact.samples.x[:7], artifact.samples.feature_names
    )
    got = np.array(answers[0][key] + answers[1][key])
    np.testing.assert_allclose(got, getattr(expected, key), rtol=0, atol=1e-6)
    assert [len(a[key]) for a in answers] == [5, 2]
    assert {a["model_version"] for a in answers} == {artifact.version}
    assert all(code in (None, 200) for code, _ in statuses)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"body": {"windows": []}}, "feature_names must be a list of strings"),
        ({"body": b"{not json"}, "body is not JSON"),
        ({"body": {"feature_names": ["a"]}}, "windows is missing"),
        ({"body": {"feature_names": [], "windows": [[1.0], [1.0, 2.0]]}}, "numeric array"),
        ({"body": [1, 2]}, "must be a JSON object"),
    ],
)
def test_handler_rejects_a_malformed_request_with_400(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact, bad: dict[str, object], reason: str
) -> None:
    answers, statuses = _handle(unpacked["lstm"], [_request(artifact, slice(0, 2)), bad])
    assert statuses[1][0] == 400
    assert reason in statuses[1][1]
    assert reason in answers[1]["error"]
    assert len(answers[0]["p_up"]) == 2


def test_handler_rejects_reordered_features_and_keeps_the_rest_of_the_batch(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact
) -> None:
    names = list(artifact.samples.feature_names)
    swapped = [names[1], names[0], *names[2:]]
    answers, statuses = _handle(
        unpacked["transformer"],
        [
            _request(artifact, slice(0, 3)),
            _request(artifact, slice(0, 3), swapped),
            _request(artifact, slice(3, 4)),
        ],
    )
    assert statuses[1] == (
        400,
        f"features do not match model {artifact.version}: order differs at position 0: "
        f"got {names[1]}, want {names[0]}",
    )
    assert [len(answers[i]["strength"]) for i in (0, 2)] == [3, 1]


def test_handler_rejects_windows_of_the_wrong_length(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact
) -> None:
    short: dict[str, object] = {
        "body": {
            "feature_names": list(artifact.samples.feature_names),
            "windows": artifact.samples.x[:2, 1:].tolist(),
        }
    }
    answers, statuses = _handle(unpacked["lstm"], [short])
    assert statuses[0][0] == 400
    assert "windows must have shape [batch, 8, 44]" in answers[0]["error"]


def test_handler_rejects_a_binary_body_of_the_wrong_shape_or_names(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact
) -> None:
    names = list(artifact.samples.feature_names)
    short = {"body": encode_windows(artifact.samples.x[:2, 1:], names)}
    answers, statuses = _handle(
        unpacked["lstm"],
        [short, _binary(artifact, slice(0, 2), [names[1], names[0], *names[2:]])],
    )
    assert [code for code, _ in statuses] == [400, 400]
    assert "windows must have shape [batch, 8, 44]" in answers[0]["error"]
    assert "order differs at position 0" in answers[1]["error"]


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (lambda b: b[:-8], "holds 2808 bytes of windows; shape [1, 8, 44] needs 2816"),
        (lambda b: b[:30], "must start with the magic line and a JSON header line"),
        (lambda b: b.replace(b'"shape"', b'"shap"'), "shape must be [n, window, features]"),
        (lambda b: b"\xff\xfe" + b, "neither the binary form nor JSON"),
    ],
)
def test_handler_rejects_a_truncated_or_garbled_binary_body_with_400(
    unpacked: dict[str, Unpacked],
    artifact: TinyArtifact,
    cut: Callable[[bytes], bytes],
    reason: str,
) -> None:
    body = encode_windows(artifact.samples.x[:1], list(artifact.samples.feature_names))
    answers, statuses = _handle(
        unpacked["lstm"], [{"body": cut(body)}, _binary(artifact, slice(0, 1))]
    )
    assert statuses[0][0] == 400
    assert reason in answers[0]["error"]
    assert len(answers[1]["p_up"]) == 1


@pytest.mark.parametrize("encode", [json.dumps, lambda b: json.dumps(b).encode()])
def test_handler_accepts_undecoded_json_bodies(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact, encode: object
) -> None:
    body = _request(artifact, slice(0, 2))["body"]
    answers, _ = _handle(unpacked["lstm"], [{"data": encode(body)}])  # type: ignore[operator]
    assert len(answers[0]["p_up"]) == 2


@pytest.mark.parametrize(
    "config", [None, {}, {"handler": {}}, {"handler": {"kind": "gru"}}, {"handler": None}]
)
def test_model_kind_refuses_a_missing_or_unknown_kind(config: dict[str, object] | None) -> None:
    with pytest.raises(RuntimeError, match=r"handler\.kind must be one of"):
        model_kind(config)


def test_handler_initialize_fails_on_weights_of_another_shape(
    unpacked: dict[str, Unpacked], tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = unpacked["lstm"]
    meta = json.loads((source.model_dir / "metadata.json").read_text())
    meta["train"]["hidden"] = 16
    target = tmp_path_factory.mktemp("bad")
    for path in source.model_dir.iterdir():
        if path.is_file():
            (target / path.name).write_bytes(path.read_bytes())
    (target / "metadata.json").write_text(json.dumps(meta))
    handler = CrpbotHandler()
    with pytest.raises(RuntimeError, match="size mismatch"):
        handler.initialize(make_context(Unpacked(target, source.manifest, source.yaml_config), 1))


def _handle_with_headers(
    unpacked: Unpacked, requests: list[dict[str, object]], headers: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    handler = CrpbotHandler()
    handler.initialize(make_context(unpacked, 1))
    context = make_context(unpacked, len(requests), headers=headers)
    answers = [json.loads(a) for a in handler.handle(requests, context)]
    return answers, [context.get_response_status(i) for i in range(len(requests))]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong-key-0123456789abcdef"},
        {"Authorization": f"Basic {SERVER_KEY}"},
        {"Authorization": f"Bearer {SERVER_KEY}x"},
        {"X-Api-Key": SERVER_KEY},
    ],
)
def test_handler_refuses_a_request_without_the_key_with_401_and_answers_the_rest(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact, headers: dict[str, str]
) -> None:
    answers, statuses = _handle_with_headers(
        unpacked["lstm"],
        [_request(artifact, slice(0, 2)), _request(artifact, slice(2, 5))],
        [AUTHORIZED, headers],
    )
    assert statuses[1][0] == 401
    assert "bearer key" in answers[1]["error"]
    assert "model_version" not in answers[1]
    assert len(answers[0]["p_up"]) == 2


@pytest.mark.parametrize("name", ["authorization", "AUTHORIZATION", "Authorization"])
def test_handler_reads_the_authorization_header_in_any_case(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact, name: str
) -> None:
    answers, statuses = _handle_with_headers(
        unpacked["transformer"], [_request(artifact, slice(0, 3))], [{name: f"bearer {SERVER_KEY}"}]
    )
    assert statuses[0][0] in (None, 200)
    assert len(answers[0]["strength"]) == 3


def test_handler_never_parses_the_body_of_a_refused_request(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact
) -> None:
    """A malformed body without the key gets 401, not the 400 that would reveal parsing."""
    answers, statuses = _handle_with_headers(unpacked["lstm"], [{"body": b"{not json"}], [{}])
    assert statuses[0][0] == 401
    assert "not JSON" not in answers[0]["error"]


def test_handler_initialize_refuses_to_load_without_a_key(
    unpacked: dict[str, Unpacked], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(AuthConfigError, match=f"{KEY_ENV} is not set"):
        CrpbotHandler().initialize(make_context(unpacked["lstm"], 1))


def test_handler_answers_without_a_key_only_when_told_to_run_insecure(
    unpacked: dict[str, Unpacked], artifact: TinyArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(INSECURE_ENV, "1")
    answers, statuses = _handle_with_headers(
        unpacked["lstm"], [_request(artifact, slice(0, 2))], [{}]
    )
    assert statuses[0][0] in (None, 200)
    assert len(answers[0]["p_up"]) == 2
