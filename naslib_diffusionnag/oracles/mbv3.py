"""MobileNetV3 / OFA oracles from ../shared/data/mbv3/ (offline; nothing is downloaded).

ImageNet top-1 comes from OFA's published accuracy predictor (``ofa_acc_predictor.pth``, an
MLP on a 128-feature encoding; output is top-1 as a fraction). It is a surrogate, not a
measurement: every number it gives must say so (``metric``).
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import DataFormatError, InvalidArchitectureError
from ..spaces.mbv3 import EXPANDS, KERNELS, SLOTS, MBv3Space
from .paths import resolve_data_file, sha256

PREDICTOR_FILE = "mbv3/ofa_acc_predictor.pth"

class OFAAccuracyPredictor:
    """OFA's accuracy predictor: ``predict(archs, resolution) -> top-1 (%)``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_data_file(PREDICTOR_FILE, path)
        self.checksum = sha256(self.path)
        self.net = nn.Sequential(nn.Linear(128, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(),
                                 nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 1))
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
            self.net.load_state_dict(state)
        except Exception as e:  # foreign file or other layout
            raise DataFormatError(f"{self.path} is not OFA's accuracy-predictor state dict: {e}") from e
        self.net.eval()
        self.space = MBv3Space()
        self.metric = (f"ImageNet top-1 (%) predicted by OFA's accuracy predictor ({self.path.name}, "
                       "trained on the w1.2 supernet); a surrogate, not a measurement")

    def features(self, arch: str, resolution: int = 224) -> np.ndarray:
        """OFA's 128-feature encoding: per slot one-hot kernel (60), per slot one-hot expand
        (60), both zero for inactive slots, then one-hot resolution index (r - 112) // 16 (8)."""
        if not 112 <= int(resolution) < 240:
            raise InvalidArchitectureError(f"OFA predictor resolution must be in 112..239, got {resolution}")
        f = np.zeros(128, dtype=np.float32)
        for s, stage in enumerate(self.space.layers(arch)):
            for i, (k, e) in enumerate(stage):
                slot = SLOTS * s + i
                f[3 * slot + KERNELS.index(k)] = 1.0
                f[60 + 3 * slot + EXPANDS.index(e)] = 1.0
        f[120 + (int(resolution) - 112) // 16] = 1.0
        return f

    @torch.no_grad()
    def predict(self, archs: Sequence[str], resolution: int = 224) -> np.ndarray:
        """Predicted top-1 (%) per architecture."""
        x = torch.from_numpy(np.stack([self.features(a, resolution) for a in archs]))
        return 100.0 * self.net(x).squeeze(-1).numpy()

    def provenance(self) -> dict[str, str]:
        return {"source": str(self.path), "sha256": self.checksum, "metric": self.metric}


# ---- latency from per-layer look-up tables ------------------------------------------------
# OFA MobileNetV3 w1.2 layout, the network the note10 tables were measured on.
_W12 = {"first": 24, "widths": (32, 48, 96, 136, 192), "strides": (2, 2, 2, 1, 2),
        "se": (0, 1, 0, 1, 1), "hs": (0, 0, 1, 1, 1), "final_expand": 1152, "feature_mix": 1536}
NOTE10_DIR = "mbv3/latency_lut_note10"


def _shape(*dims: int) -> str:
    return "x".join(str(d) for d in dims)


class Note10Latency:
    """Note10 latency (ms) of a subnet: the sum of its layers' entries in OFA's look-up table
    for the resolution (160-224, step 4), as OFA's own latency estimator does."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        probe = resolve_data_file(f"{NOTE10_DIR}/224_lookup_table.yaml",
                                  None if data_dir is None else f"{data_dir}/224_lookup_table.yaml")
        self.dir = probe.parent
        self.space = MBv3Space()
        self._tables: dict[int, dict[str, float]] = {}
        self.metric = f"Samsung Note10 latency (ms), sum of per-layer means in {self.dir.name} (OFA, w1.2 network)"

    def resolutions(self) -> list[int]:
        return sorted(int(p.name.split("_")[0]) for p in self.dir.glob("*_lookup_table.yaml"))

    def _table(self, r: int) -> dict[str, float]:
        if r not in self._tables:
            import yaml

            path = self.dir / f"{r}_lookup_table.yaml"
            if not path.is_file():
                raise InvalidArchitectureError(
                    f"no note10 latency table for resolution {r}; available: {self.resolutions()}")
            raw = yaml.load(path.read_text(), Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
            self._tables[r] = {k: float(v["mean"]) for k, v in raw.items()}
        return self._tables[r]

    def layer_keys(self, arch: str, r: int = 224) -> list[str]:
        """The look-up keys of every layer of ``arch`` at resolution ``r``."""
        w = _W12
        f = (r + 1) // 2
        keys = [f"Conv-input:{_shape(r, r, 3)}-output:{_shape(f, f, w['first'])}",
                f"expanded_conv-input:{_shape(f, f, w['first'])}-output:{_shape(f, f, w['first'])}"
                f"-expand:{w['first']}-kernel:3-stride:1-idskip:1-se:0-hs:0"]
        cin = w["first"]
        for s, stage in enumerate(self.space.layers(arch)):
            cout = w["widths"][s]
            for j, (k, e) in enumerate(stage):
                stride = w["strides"][s] if j == 0 else 1
                fout = (f - 1) // stride + 1
                idskip = int(stride == 1 and cin == cout)
                keys.append(f"expanded_conv-input:{_shape(f, f, cin)}-output:{_shape(fout, fout, cout)}"
                            f"-expand:{cin * e}-kernel:{k}-stride:{stride}-idskip:{idskip}"
                            f"-se:{w['se'][s]}-hs:{w['hs'][s]}")
                f, cin = fout, cout
        keys += [f"Conv_1-input:{_shape(f, f, cin)}-output:{_shape(f, f, w['final_expand'])}",
                 f"AvgPool2D-input:{_shape(f, f, w['final_expand'])}-output:{_shape(1, 1, w['final_expand'])}",
                 f"Conv_2-input:{_shape(1, 1, w['final_expand'])}-output:{_shape(1, 1, w['feature_mix'])}",
                 f"Logits-input:{_shape(1, 1, w['feature_mix'])}-output:1000"]
        return keys

    def latency(self, arch: str, r: int = 224) -> float:
        table = self._table(int(r))
        try:
            return float(sum(table[k] for k in self.layer_keys(arch, int(r))))
        except KeyError as e:
            raise DataFormatError(f"layer {e.args[0]!r} is missing from the note10 table for r={r}") from None

    def predict(self, archs: Sequence[str], r: int = 224) -> np.ndarray:
        return np.array([self.latency(a, r) for a in archs])
