from __future__ import annotations

import numpy as np
import pytest

from crpbot.models.metadata import ArtifactMetadata
from crpbot_model_server.batch import RequestError, collect, parse_request, split_outputs
from tests.fixtures.artifacts import TinyArtifact


@pytest.fixture(scope="module")
def meta(artifact: TinyArtifact) -> ArtifactMetadata:
    from crpbot.models.versions import read_metadata

    return read_metadata(artifact.model_dir / artifact.version)


def _body(artifact: TinyArtifact, n: int) -> dict[str, object]:
    return {
        "body": {
            "feature_names": list(artifact.samples.feature_names),
            "windows": artifact.samples.x[:n].tolist(),
        }
    }


def test_collect_stacks_valid_windows_in_request_order(
    artifact: TinyArtifact, meta: ArtifactMetadata
) -> None:
    batch = collect([_body(artifact, 2), {"body": {}}, _body(artifact, 3)], meta)
    assert batch.counts == (2, 0, 3)
    assert list(batch.errors) == [1]
    assert batch.windows.shape == (5, meta.window, len(meta.feature_names))
    assert batch.windows.dtype == np.float64


def test_collect_of_only_rejected_requests_gives_no_windows(meta: ArtifactMetadata) -> None:
    batch = collect([{"body": "[]"}, {"data": None}], meta)
    assert batch.windows.shape == (0, meta.window, len(meta.feature_names))
    assert set(batch.errors) == {0, 1}


def test_split_outputs_hands_each_request_its_own_slice() -> None:
    from crpbot_model_server.batch import WindowBatch

    batch = WindowBatch(np.zeros((3, 1, 1)), counts=(1, 0, 2), errors={1: "bad"})
    answers = split_outputs(np.array([0.1, 0.2, 0.3]), batch, "p_up", "v1")
    assert answers == [
        {"p_up": [0.1], "model_version": "v1"},
        {"error": "bad", "model_version": "v1"},
        {"p_up": [0.2, 0.3], "model_version": "v1"},
    ]


@pytest.mark.parametrize("names", [["a", 1], "abc", None])
def test_parse_request_wants_feature_names_as_strings(names: object) -> None:
    with pytest.raises(RequestError, match="feature_names"):
        parse_request({"body": {"feature_names": names, "windows": [[[0.0]]]}})
