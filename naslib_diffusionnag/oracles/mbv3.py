"""MobileNetV3 / OFA oracles from ../shared/data/mbv3/ (offline; nothing is downloaded).

ImageNet top-1 comes from OFA's published accuracy predictor (``ofa_acc_predictor.pth``, an
MLP on a 128-feature encoding; output is top-1 as a fraction). It is a surrogate, not a
measurement: every number it gives must say so (``metric``).

Latency is the sum of per-layer entries of a measured look-up table (Samsung Note10 from OFA,
Intel i7-8700K from NSGANetV2); FLOPs (multiply-accumulates) and parameters are counted
analytically. All three read one layer walk (``net_shape``), so a table and the counts can
never disagree about which layers a subnet has.
"""
from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, DataFormatError
from ..spaces.mbv3 import DEPTHS, EXPANDS, KERNELS, SLOTS, STAGES, VOCAB, MBv3Space
from .paths import resolve_data_file, verify_known
from .soft_cost import AdditiveCost

PREDICTOR_FILE = "mbv3/ofa_acc_predictor.pth"


def _restore(relative: str) -> str:
    """The fix for a data file that cannot be read."""
    return f"restore it from ../shared/data/{relative} (see ../shared/data/{relative.split('/')[0]}/README.md)"


class OFAAccuracyPredictor:
    """OFA's accuracy predictor: ``predict(archs, resolution) -> top-1 (%)``. The file must be
    the documented one (``KNOWN_SHA256``) unless ``allow_unverified``."""

    def __init__(self, path: str | os.PathLike[str] | None = None, allow_unverified: bool = False) -> None:
        self.path = resolve_data_file(PREDICTOR_FILE, path)
        self.net = nn.Sequential(nn.Linear(128, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(),
                                 nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 1))
        not_it = f"{self.path} is not OFA's accuracy-predictor state dict"
        try:
            with warnings.catch_warnings():  # torch warns about a foreign pickle before failing on it
                warnings.simplefilter("ignore")
                state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as e:  # torch's own message is many lines and suggests weights_only=False
            raise DataFormatError(f"{not_it}: torch cannot load it with weights_only=True ({type(e).__name__}); "
                                  f"{_restore(PREDICTOR_FILE)}") from e
        try:
            self.net.load_state_dict(state)
        except Exception as e:  # another network's weights
            raise DataFormatError(f"{not_it}: its tensors are not those of Linear(128,400)-Linear(400,400)-"
                                  f"Linear(400,400)-Linear(400,1); {_restore(PREDICTOR_FILE)}") from e
        self.checksum = verify_known(self.path, PREDICTOR_FILE, allow_unverified)
        self.net.eval()
        self.space = MBv3Space()
        self.metric = (f"ImageNet top-1 (%) predicted by OFA's accuracy predictor ({self.path.name}, "
                       "trained on the w1.2 supernet); a surrogate, not a measurement")

    def features(self, arch: str, resolution: int = 224) -> np.ndarray:
        """OFA's 128-feature encoding: per slot one-hot kernel (60), per slot one-hot expand
        (60), both zero for inactive slots, then one-hot resolution index (r - 112) // 16 (8)."""
        r = self.check_resolution(resolution)
        f = np.zeros(128, dtype=np.float32)
        for s, stage in enumerate(self.space.layers(arch)):
            for i, (k, e) in enumerate(stage):
                slot = SLOTS * s + i
                f[3 * slot + KERNELS.index(k)] = 1.0
                f[60 + 3 * slot + EXPANDS.index(e)] = 1.0
        f[120 + (r - 112) // 16] = 1.0
        return f

    @staticmethod
    def check_resolution(resolution: int) -> int:
        """``resolution`` if the encoding has a slot for it (112..239), so a query can be refused
        before anything is sampled."""
        r = _resolution(resolution)
        if not 112 <= r < 240:
            raise ConfigError(f"OFA predictor resolution must be in 112..239, got {resolution}")
        return r

    @torch.no_grad()
    def predict(self, archs: Sequence[str], resolution: int = 224) -> np.ndarray:
        """Predicted top-1 (%) per architecture."""
        x = torch.from_numpy(np.stack([self.features(a, resolution) for a in archs]))
        return 100.0 * self.net(x).squeeze(-1).numpy()

    def provenance(self) -> dict[str, str]:
        return {"source": str(self.path), "sha256": self.checksum, "metric": self.metric}


# ---- the OFA MobileNetV3 layer walk: shared by the latency tables and the FLOPs/params count ----
# OFA's ``OFAMobileNetV3``: base widths (first conv, first block, 5 stages, final expand, feature
# mix), per-stage first-layer stride, squeeze-excite and h-swish (ReLU otherwise).
BASE_FIRST, BASE_STAGES, BASE_FINAL_EXPAND, BASE_FEATURE_MIX = 16, (24, 40, 80, 112, 160), 960, 1280
STRIDES: tuple[int, ...] = (2, 2, 2, 1, 2)
USE_SE: tuple[bool, ...] = (False, True, False, True, True)
USE_HS: tuple[bool, ...] = (False, False, True, True, True)
SE_REDUCTION, N_CLASSES = 4, 1000
WIDTH_MULTS: tuple[float, ...] = (1.0, 1.2)  # the two released OFA MobileNetV3 supernets


def make_divisible(v: float, divisor: int = 8) -> int:
    """OFA's channel rounding (``ofa.utils.make_divisible``): nearest multiple of ``divisor``,
    bumped up one step when that would lose more than 10 % of ``v``."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


@dataclass(frozen=True)
class Widths:
    """Channel widths of the OFA MobileNetV3 supernet with width multiplier ``mult``."""

    mult: float
    first: int  # first conv and first block
    stages: tuple[int, ...]
    final_expand: int
    feature_mix: int


def ofa_widths(mult: float) -> Widths:
    """Widths as OFA derives them (``make_divisible(base * mult, 8)``). Only w1.0 and w1.2 are
    accepted: they are the supernets that exist, and every table was measured on one of them."""
    if mult not in WIDTH_MULTS:
        raise ConfigError(
            f"OFA MobileNetV3 width multiplier {mult!r} is not a released supernet; use one of {WIDTH_MULTS}")
    m = float(mult)
    return Widths(m, make_divisible(BASE_FIRST * m), tuple(make_divisible(c * m) for c in BASE_STAGES),
                  make_divisible(BASE_FINAL_EXPAND * m), make_divisible(BASE_FEATURE_MIX * m))


@dataclass(frozen=True)
class Block:
    """One mobile inverted bottleneck (MBConv) block as OFA builds it: [1x1 expand conv] -
    depthwise kxk (carries the stride) - [squeeze-excite] - 1x1 project conv, each conv with BN.
    ``expand == 1`` (the first block) means no expand conv."""

    in_size: int  # input feature-map side
    out_size: int
    cin: int
    cout: int
    expand: int  # expand ratio, not channels
    kernel: int
    stride: int
    se: bool
    hs: bool

    @property
    def mid(self) -> int:
        """Expanded channels (OFA: ``make_divisible(round(cin * e), 8)``)."""
        return make_divisible(round(self.cin * self.expand))

    @property
    def se_mid(self) -> int:
        """Squeeze-excite bottleneck channels (OFA: ``make_divisible(mid // 4, 8)``)."""
        return make_divisible(self.mid // SE_REDUCTION)

    @property
    def idskip(self) -> bool:
        """Identity shortcut: OFA adds one exactly when shape is preserved."""
        return self.stride == 1 and self.cin == self.cout


@dataclass(frozen=True)
class NetShape:
    """Every layer's shape of one subnet at one input resolution and width."""

    resolution: int
    widths: Widths
    stem_size: int  # side of the first conv's output
    blocks: tuple[Block, ...]  # the first block, then every active layer in order

    @property
    def final_size(self) -> int:
        return self.blocks[-1].out_size


def _resolution(r: int) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or int(r) < 1:
        raise ConfigError(f"MBv3 input resolution must be a positive integer (e.g. 224), got {r!r}")
    return int(r)


def net_shape(arch: str, resolution: int = 224, width: float = 1.2) -> NetShape:
    """The layer walk of OFA's MobileNetV3 for ``arch``: stride-2 convs with 'same' padding map
    a side n to ceil(n / 2); a stage's first layer carries the stage stride."""
    r, w = _resolution(resolution), ofa_widths(width)
    f = -(-r // 2)
    blocks = [Block(f, f, w.first, w.first, 1, 3, 1, False, False)]
    cin = w.first
    for s, stage in enumerate(MBv3Space().layers(arch)):
        for j, (k, e) in enumerate(stage):
            stride = STRIDES[s] if j == 0 else 1
            fout = -(-f // stride)
            blocks.append(Block(f, fout, cin, w.stages[s], e, k, stride, USE_SE[s], USE_HS[s]))
            f, cin = fout, w.stages[s]
    return NetShape(r, w, -(-r // 2), tuple(blocks))


# ---- FLOPs (multiply-accumulates) and parameters -------------------------------------------
def _conv(cin: int, cout: int, k: int, side: int, groups: int = 1, bias: bool = False,
          bn: bool = True) -> tuple[int, int]:
    """(MACs, params) of a conv producing a side x side map, counted as OFA's ``count_net_flops``
    (cin/groups * k^2 per output element; bias, BN and activations cost no MACs) and
    ``count_parameters`` (every parameter, BN weight and bias included)."""
    weights = cin // groups * k * k * cout
    return weights * side * side, weights + (cout if bias else 0) + (2 * cout if bn else 0)


def _block_cost(b: Block) -> tuple[int, int]:
    parts = []
    if b.expand != 1:
        parts.append(_conv(b.cin, b.mid, 1, b.in_size))
    parts.append(_conv(b.mid, b.mid, b.kernel, b.out_size, groups=b.mid))
    if b.se:  # on the pooled 1x1 map, both 1x1 convs with bias and no BN
        parts += [_conv(b.mid, b.se_mid, 1, 1, bias=True, bn=False), _conv(b.se_mid, b.mid, 1, 1, bias=True, bn=False)]
    parts.append(_conv(b.mid, b.cout, 1, b.out_size))
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def layer_costs(shape: NetShape) -> list[tuple[int, int]]:
    """(MACs, params) per layer: first conv, each block, final expand conv, feature-mix conv
    (no BN, no bias) and the 1000-way classifier (with bias); pooling is free."""
    w = shape.widths
    parts = [_conv(3, w.first, 3, shape.stem_size)] + [_block_cost(b) for b in shape.blocks]
    return parts + [_conv(w.stages[-1], w.final_expand, 1, shape.final_size),
                    _conv(w.final_expand, w.feature_mix, 1, 1, bn=False),
                    _conv(w.feature_mix, N_CLASSES, 1, 1, bias=True, bn=False)]  # Linear == 1x1 conv on 1x1


def cost(shape: NetShape) -> tuple[int, int]:
    """(MACs, params) of the whole subnet."""
    parts = layer_costs(shape)
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def slot_additive_cost(per_layer: Callable[[str], Sequence[float]]) -> AdditiveCost:
    """A per-layer cost (``per_layer(arch)``: first conv, first block, the active layers in
    order, then the tail, as ``net_shape`` walks them) as ``const + table[slot, token]``. A
    slot's layer has the same shape in every valid subnet (its stage's earlier slots are active,
    so its input side, channels and stride are fixed), so the table read from the nine
    full-depth, single-token subnets is exact for all of them."""
    n = STAGES * SLOTS
    table = np.zeros((n, len(VOCAB)))
    consts = set()
    for t, token in enumerate(VOCAB):
        values = np.asarray(per_layer("_".join([f"{SLOTS}-{token}"] * n)), dtype=np.float64)
        table[:, t] = values[2:2 + n]
        consts.add(float(values[:2].sum() + values[2 + n:].sum()))
    (const,) = consts  # the layers outside the slots are the same for every subnet
    return AdditiveCost(const, torch.from_numpy(table), SLOTS, min(DEPTHS))


class OFACost:
    """FLOPs (OFA's convention: multiply-accumulates of convs and linear layers) and parameter
    counts of OFA MobileNetV3 subnets, at any resolution; exact, so no table is needed."""

    def __init__(self, width: float = 1.2) -> None:
        self.widths = ofa_widths(width)
        self.width = self.widths.mult
        self.space = MBv3Space()
        self.metric = {"flops": f"FLOPs (multiply-accumulates, OFA's count_net_flops convention) of the OFA "
                                f"MobileNetV3 w{self.width} subnet, counted analytically",
                       "params": f"parameters (incl. BN, OFA's count_parameters) of the OFA MobileNetV3 "
                                 f"w{self.width} subnet, counted analytically"}

    @staticmethod
    def check_resolution(r: int) -> int:
        """Any positive integer: the count needs no table."""
        return _resolution(r)

    def flops(self, arch: str, r: int = 224) -> int:
        return cost(net_shape(arch, r, self.width))[0]

    def params(self, arch: str) -> int:
        """Parameters do not depend on the resolution."""
        return cost(net_shape(arch, 224, self.width))[1]

    def predict_flops(self, archs: Sequence[str], r: int = 224) -> np.ndarray:
        return np.array([self.flops(a, r) for a in archs], dtype=np.int64)

    def predict_params(self, archs: Sequence[str]) -> np.ndarray:
        return np.array([self.params(a) for a in archs], dtype=np.int64)


# ---- latency from per-layer look-up tables ------------------------------------------------
def _shape(*dims: int) -> str:
    return "x".join(str(d) for d in dims)


def _load_table(path: Path, relative: str, what: str, entry: Callable[[dict], tuple[float, float]],
                allow_unverified: bool) -> tuple[dict[str, tuple[float, float]], str]:
    """The per-layer table ``path``, read in place of the documented ``relative``, as layer key ->
    ``entry(value)`` = (mean ms, variance ms^2), and its sha256. A file that is not YAML or whose
    entries lack a field is a one-line ``DataFormatError`` (``what`` names the table and fields);
    one whose checksum is not the documented one is refused unless ``allow_unverified``."""
    import yaml

    loader = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
    try:
        raw = yaml.load(path.read_bytes(), Loader=loader)  # PyYAML >= 6 needs an explicit Loader
    except yaml.YAMLError as e:  # its message spans lines: keep the line and the problem
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or " ".join(str(e).split())
        raise DataFormatError(f"{path} is not valid YAML ({where}{problem}); {_restore(relative)}") from e
    try:
        if not isinstance(raw, dict):
            raise TypeError("not a mapping of layer keys to entries")
        table = {str(k): entry(v) for k, v in raw.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        problem = f"an entry has no {e}" if isinstance(e, KeyError) else str(e)
        raise DataFormatError(f"{path} is not {what}: {problem}; {_restore(relative)}") from e
    return table, verify_known(path, relative, allow_unverified)


def _span(values: list[int]) -> str:
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 2 and len(steps) == 1:
        return f"{values[0]}-{values[-1]} step {steps.pop()}"
    return ", ".join(map(str, values))


class _LayerTableLatency:
    """Latency (ms) of a subnet as the sum of its layers' entries in a measured look-up table,
    the estimator OFA and NSGANetV2 use. Subclasses say where the table is and how a layer is
    written as a key; the layer walk (``net_shape``), the lookup and the errors are shared."""

    device: str = ""
    width_mults: tuple[float, ...] = WIDTH_MULTS
    source: Path

    def __init__(self, width: float) -> None:
        self.width = ofa_widths(width).mult
        if self.width not in self.width_mults:
            raise ConfigError(
                f"the {self.device} latency table was measured on the w{'/w'.join(map(str, self.width_mults))} "
                f"network only, not w{width}; use width={self.width_mults[-1]}")
        self.space = MBv3Space()

    def resolutions(self) -> list[int]:
        raise NotImplementedError

    def _entries(self, r: int) -> dict[str, tuple[float, float]]:
        """Layer key -> (mean ms, variance ms^2) for resolution ``r``."""
        raise NotImplementedError

    def table_file(self, r: int) -> Path:
        """The file holding the entries for resolution ``r`` (recorded, with its sha256, by
        every result that uses them)."""
        raise NotImplementedError

    def table_checksum(self, r: int) -> str:
        """sha256 of ``table_file(r)``, as checked when it was read."""
        raise NotImplementedError

    def _keys(self, shape: NetShape) -> list[str]:
        raise NotImplementedError

    def layer_keys(self, arch: str, r: int = 224) -> list[str]:
        """The look-up keys of every layer of ``arch`` at resolution ``r``."""
        return self._keys(net_shape(arch, r, self.width))

    def check_resolution(self, r: int) -> int:
        """``r`` if the table was measured at that input resolution, so a query can be refused
        before anything is sampled."""
        r = _resolution(r)
        if not self.resolutions():  # a truncated table read with --allow-unverified-data
            raise ConfigError(f"the {self.device} latency table holds no resolution at all: its file is empty or "
                              "truncated; restore it from ../shared/data (see its README)")
        if r not in self.resolutions():
            raise ConfigError(
                f"no {self.device} latency table for resolution {r}; available: {_span(self.resolutions())}. "
                "Use one of those resolutions (FLOPs from OFACost work at any resolution)")
        return r

    def layer_values(self, arch: str, r: int = 224, field: int = 0) -> list[float]:
        """Per layer of ``arch``, in ``net_shape`` order, the table's mean (``field`` 0, ms) or
        variance (1, ms^2)."""
        r = self.check_resolution(r)
        table = self._entries(r)
        out = []
        for key in self.layer_keys(arch, r):
            if key not in table:
                raise DataFormatError(
                    f"layer {key!r} is missing from the {self.device} table {self.source} for r={r}: the file "
                    f"does not describe the OFA MobileNetV3 w{self.width} network; pass the original table "
                    "(see ../shared/data/mbv3/README.md) or the width it was measured on")
            out.append(table[key][field])
        return out

    def _sum(self, arch: str, r: int, field: int) -> float:
        return sum(self.layer_values(arch, r, field))

    def latency(self, arch: str, r: int = 224) -> float:
        """Sum of the per-layer mean latencies (ms)."""
        return float(self._sum(arch, r, 0))

    def latency_std(self, arch: str, r: int = 224) -> float:
        """Spread of the table's measurements (ms), treating layers as independent: how much of a
        latency difference is measurement noise."""
        return math.sqrt(self._sum(arch, r, 1))

    def predict(self, archs: Sequence[str], r: int = 224) -> np.ndarray:
        return np.array([self.latency(a, r) for a in archs])


NOTE10_DIR = "mbv3/latency_lut_note10"
I7_FILE = "mbv3/latency_lut_i7-8700K.yaml"


class Note10Latency(_LayerTableLatency):
    """Samsung Note10 latency (ms): OFA's per-resolution tables (160-224, step 4), measured on
    the w1.2 network only. Keys carry the expanded channels and the h-swish flag."""

    device = "note10"
    width_mults = (1.2,)

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, width: float = 1.2,
                 allow_unverified: bool = False) -> None:
        super().__init__(width)
        probe = resolve_data_file(f"{NOTE10_DIR}/224_lookup_table.yaml",
                                  None if data_dir is None else f"{data_dir}/224_lookup_table.yaml")
        self.dir = self.source = probe.parent
        self.allow_unverified = allow_unverified
        self._tables: dict[int, tuple[dict[str, tuple[float, float]], str]] = {}  # r -> (entries, sha256)
        self.metric = f"Samsung Note10 latency (ms), sum of per-layer means in {self.dir.name} (OFA, w1.2 network)"

    def resolutions(self) -> list[int]:
        return sorted(int(p.name.split("_")[0]) for p in self.dir.glob("*_lookup_table.yaml"))

    def table_file(self, r: int) -> Path:
        return self.dir / f"{r}_lookup_table.yaml"

    def _load(self, r: int) -> tuple[dict[str, tuple[float, float]], str]:
        """A resolution's table is read, and checked, once: when a query first needs it."""
        if r not in self._tables:
            self._tables[r] = _load_table(
                self.table_file(r), f"{NOTE10_DIR}/{r}_lookup_table.yaml", "OFA's Note10 latency table (entries need mean)",
                lambda v: (float(v["mean"]), float(v.get("std", 0.0)) ** 2), self.allow_unverified)
        return self._tables[r]

    def _entries(self, r: int) -> dict[str, tuple[float, float]]:
        return self._load(r)[0]

    def table_checksum(self, r: int) -> str:
        return self._load(self.check_resolution(r))[1]

    def _keys(self, shape: NetShape) -> list[str]:
        w, r, f0 = shape.widths, shape.resolution, shape.stem_size
        keys = [f"Conv-input:{_shape(r, r, 3)}-output:{_shape(f0, f0, w.first)}"]
        for b in shape.blocks:
            keys.append(f"expanded_conv-input:{_shape(b.in_size, b.in_size, b.cin)}"
                        f"-output:{_shape(b.out_size, b.out_size, b.cout)}-expand:{b.mid}-kernel:{b.kernel}"
                        f"-stride:{b.stride}-idskip:{int(b.idskip)}-se:{int(b.se)}-hs:{int(b.hs)}")
        f, fe, fm = shape.final_size, w.final_expand, w.feature_mix
        return keys + [f"Conv_1-input:{_shape(f, f, w.stages[-1])}-output:{_shape(f, f, fe)}",
                       f"AvgPool2D-input:{_shape(f, f, fe)}-output:{_shape(1, 1, fe)}",
                       f"Conv_2-input:{_shape(1, 1, fe)}-output:{_shape(1, 1, fm)}",
                       f"Logits-input:{_shape(1, 1, fm)}-output:{N_CLASSES}"]


class I7Latency(_LayerTableLatency):
    """Intel i7-8700K CPU latency (ms): NSGANetV2's single table (resolutions 96-256, step 4,
    both w1.0 and w1.2), summed as its ``look_up_latency`` does. Keys carry the expand
    *ratio* (1 for the first block), no h-swish flag, and no pooling entry."""

    device = "i7-8700K"

    def __init__(self, path: str | os.PathLike[str] | None = None, width: float = 1.2,
                 allow_unverified: bool = False) -> None:
        super().__init__(width)
        self.path = self.source = resolve_data_file(I7_FILE, path)
        self._table, self.checksum = _load_table(
            self.path, I7_FILE, "NSGANetV2's i7-8700K table (entries need mean and var)",
            lambda v: (float(v["mean"]), float(v["var"])), allow_unverified)
        first = ofa_widths(width).first
        self._resolutions = sorted(
            int(k.split(":")[1].split("x")[0]) for k in self._table
            if k.startswith("first_conv-input:") and k.endswith(f"x{first}"))
        self.metric = (f"Intel i7-8700K CPU latency (ms), sum of per-layer means in {self.path.name} "
                       f"(NSGANetV2, w{self.width} network)")

    def resolutions(self) -> list[int]:
        return list(self._resolutions)

    def table_file(self, r: int) -> Path:
        return self.path

    def table_checksum(self, r: int) -> str:
        return self.checksum

    def _entries(self, r: int) -> dict[str, tuple[float, float]]:
        return self._table  # one table for all resolutions: keys carry the feature-map sides

    def _keys(self, shape: NetShape) -> list[str]:
        w, r, f0 = shape.widths, shape.resolution, shape.stem_size
        keys = [f"first_conv-input:{_shape(r, r, 3)}-output:{_shape(f0, f0, w.first)}"]
        for b in shape.blocks:
            keys.append(f"MBConv-input:{_shape(b.in_size, b.in_size, b.cin)}"
                        f"-output:{_shape(b.out_size, b.out_size, b.cout)}-expand:{b.expand}-kernel:{b.kernel}"
                        f"-stride:{b.stride}-idskip:{int(b.idskip)}-se:{int(b.se)}")
        f, fe, fm = shape.final_size, w.final_expand, w.feature_mix
        return keys + [f"final_expand_layer-input:{_shape(f, f, w.stages[-1])}-output:{_shape(f, f, fe)}",
                       f"feature_mix_layer-input:{_shape(1, 1, fe)}-output:{_shape(1, 1, fm)}",
                       f"classifier-input:{fm}-output:{N_CLASSES}"]

    def provenance(self) -> dict[str, str]:
        return {"source": str(self.path), "sha256": self.checksum, "metric": self.metric}
