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
