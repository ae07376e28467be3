"""OFA accuracy predictor as the MBv3 accuracy oracle, checked against real measurements."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from naslib_diffusionnag.errors import DataFormatError, DataNotFoundError, InvalidArchitectureError
from naslib_diffusionnag.oracles import resolve_data_file
from naslib_diffusionnag.oracles.mbv3 import OFAAccuracyPredictor


@pytest.fixture(scope="module")
def predictor() -> OFAAccuracyPredictor:
    return OFAAccuracyPredictor()


def _rows(name: str) -> list[dict[str, str]]:
    with open(resolve_data_file(f"mbv3/{name}"), newline="") as f:
        return list(csv.DictReader(f))


def test_ranks_measured_subnets(predictor):
    """The data README: the predictor ranks the 2,223 measured w1.0 subnets with Spearman 0.982."""
    rows = _rows("measured_top1_ofa_mbv3_w1.0_r224_dynast.csv")
    archs = [predictor.space.from_ofa(json.loads(r["ks"]), json.loads(r["e"]), json.loads(r["d"])) for r in rows]
    pred = predictor.predict(archs, 224)
    measured = np.array([float(r["top1_mean"]) for r in rows])
    assert spearmanr(pred, measured)[0] > 0.97
    assert 70 < pred.min() and pred.max() < 90  # percent, not a fraction


def test_orders_the_published_specialized_nets(predictor):
    rows = [r for r in _rows("ofa_specialized_summary.csv")
            if r["net_name"] == "MobileNetV3" and int(r["image_size"]) < 240]
    pred = [predictor.predict([predictor.space.from_ofa(*(json.loads(r[k]) for k in ("ks", "e", "d")))],
                              int(r["image_size"]))[0] for r in rows]
    assert spearmanr(pred, [float(r["top1_finetuned"]) for r in rows])[0] > 0.8


def test_feature_encoding(predictor):
    arch = predictor.space.from_ofa([7] * 20, [6] * 20, [2, 3, 4, 2, 4])
    f = predictor.features(arch, 176)
    assert f.shape == (128,) and f.sum() == 2 * 15 + 1
    assert f[3 * 0 + 2] == 1 and f[60 + 3 * 0 + 2] == 1  # slot 0: kernel 7, expand 6
    assert f[3 * 2:3 * 4].sum() == 0  # stage 1 slots 2-3 inactive
    assert f[120 + (176 - 112) // 16] == 1
    bigger = predictor.predict([predictor.space.from_ofa([7] * 20, [6] * 20, [4] * 5)])[0]
    smaller = predictor.predict([predictor.space.from_ofa([3] * 20, [3] * 20, [2] * 5)])[0]
    assert bigger > smaller
    with pytest.raises(InvalidArchitectureError, match="112..239"):
        predictor.features(arch, 260)


def test_bad_files(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        OFAAccuracyPredictor(tmp_path / "missing.pth")
    with pytest.raises(DataFormatError, match="not OFA's accuracy-predictor"):
        OFAAccuracyPredictor(resolve_data_file("nb201/nats_bench.csv"))


@pytest.fixture(scope="module")
def note10():
    from naslib_diffusionnag.oracles.mbv3 import Note10Latency
    return Note10Latency()


def test_note10_latency_matches_published_w12_nets(note10):
    """OFA's published note10 nets on the w1.2 supernet carry their latency in their name."""
    rows = [r for r in _rows("ofa_specialized_summary.csv")
            if r["net_id"].startswith("note10") and r["width_mult"] == "1.2"
            and int(r["image_size"]) in note10.resolutions()]
    assert len(rows) >= 3
    for r in rows:
        arch = note10.space.from_ofa(*(json.loads(r[k]) for k in ("ks", "e", "d")))
        published = float(r["net_id"].split("lat-")[1].split("ms")[0])
        assert note10.latency(arch, int(r["image_size"])) == pytest.approx(published, rel=0.05)


def test_note10_latency_every_layer_is_in_the_tables(note10):
    archs = note10.space.sample(200, np.random.default_rng(0))
    for res in (160, 192, 224):
        lat = note10.predict(archs, res)
        assert np.all(np.isfinite(lat)) and lat.min() > 5
    assert np.all(note10.predict(archs, 160) < note10.predict(archs, 224))


def test_note10_latency_monotone_in_depth_and_kernel(note10):
    sp = note10.space
    shallow = note10.latency(sp.from_ofa([3] * 20, [4] * 20, [2] * 5))
    deeper = note10.latency(sp.from_ofa([3] * 20, [4] * 20, [3] * 5))
    deepest = note10.latency(sp.from_ofa([3] * 20, [4] * 20, [4] * 5))
    wide_kernel = note10.latency(sp.from_ofa([7] * 20, [4] * 20, [4] * 5))
    assert shallow < deeper < deepest < wide_kernel
    with pytest.raises(InvalidArchitectureError, match="no note10 latency table for resolution 300"):
        note10.latency(sp.from_ofa([3] * 20, [4] * 20, [2] * 5), 300)
