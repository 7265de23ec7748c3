"""Held-out predictions: what a hidden test records, what the grader accepts, and the
public/private cut the accuracies are split on."""

import numpy as np
import pytest

from hwkit.grading.heldout import HeldOutSplit
from hwkit.metrics import (
    METRICS_DIR_ENV,
    collecting,
    public_mask,
    read_predictions,
    record,
    split_accuracy,
)


def test_record_writes_only_when_the_grader_asked_and_reads_back(tmp_path, monkeypatch):
    monkeypatch.delenv(METRICS_DIR_ENV, raising=False)
    record("nn", [1, 0, 1])
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(METRICS_DIR_ENV, str(tmp_path))
    record("nn", np.array([1, 0, 1]))
    record("dnn", [[1, 0, 1], [0, 0, 1]])
    assert read_predictions(tmp_path, "nn", 3).tolist() == [[1, 0, 1]]
    assert read_predictions(tmp_path, "dnn", 3).shape == (2, 3)
    assert read_predictions(tmp_path, "nn", 4) is None  # not the held-out set's length
    assert read_predictions(tmp_path, "missing", 3) is None


@pytest.mark.parametrize(
    "forged",
    [
        lambda p: np.save(p, np.ones((1, 3), dtype=np.float64)),  # floats: "all right" forged
        lambda p: np.save(p, np.ones((20, 3), dtype=np.int16)),  # more seeds than any test uses
        lambda p: np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True),
        lambda p: p.write_bytes(b"not numpy"),
    ],
)
def test_read_predictions_refuses_what_record_never_writes(tmp_path, forged):
    forged(tmp_path / "nn.npy")
    assert read_predictions(tmp_path, "nn", 3) is None


def test_public_mask_keeps_each_class_share_and_depends_on_the_seed():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    mask = public_mask(y, 0.5, seed=7)
    assert mask.sum() == 500
    assert [int(mask[y == c].sum()) for c in (0, 1, 2)] == [250, 150, 100]
    assert np.array_equal(mask, public_mask(y, 0.5, seed=7))
    assert not np.array_equal(mask, public_mask(y, 0.5, seed=8))


def test_split_accuracy_scores_each_part_and_averages_over_seeds():
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    public = np.array([True, True, True, True, False, False, False, False])
    wrong_private = np.where(public, y, 1 - y)
    assert split_accuracy(wrong_private[None, :], y, public) == (1.0, 0.0)
    two_seeds = np.stack([y, wrong_private])
    assert split_accuracy(two_seeds, y, public) == (1.0, 0.5)


def test_heldout_split_scores_recorded_models_and_notes_the_missing_ones():
    y = np.array([0, 1, 0, 1])
    split = HeldOutSplit(("ova", "nn"), y, np.array([True, False, True, False]))
    recorded = {"nn": np.array([[0, 0, 0, 1]], dtype=np.int16),
                "ova": np.ones((1, 5), dtype=np.int16)}  # the wrong length: refused
    (nn,), notes = split.score(recorded)
    assert (nn.name, nn.public, nn.private, nn.n_public, nn.n_private) == ("nn", 1.0, 0.5, 2, 2)
    assert notes == ["no valid held-out predictions recorded for 'ova'"]


def test_in_a_judge_record_goes_to_the_verdicts_result_not_to_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv(METRICS_DIR_ENV, str(tmp_path))
    with collecting() as recorded:
        record("nn", [2, 0, 1])
    assert recorded["nn"].dtype == np.int16 and recorded["nn"].tolist() == [[2, 0, 1]]
    assert list(tmp_path.iterdir()) == []
