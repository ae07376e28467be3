"""The contract every registered search space meets (round trip, validity, sampling,
neighbours), and a space registered by a user working through the CLI. No data needed."""
from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator

import numpy as np
import pytest
import torch
import yaml

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.errors import InvalidArchitectureError, UnknownNameError
from naslib_diffusionnag.generation import ENUMERABLE
from naslib_diffusionnag.registry import Registry
from naslib_diffusionnag.spaces import SPACES, SearchSpace, get_space


def check_space_contract(space: SearchSpace) -> None:
    """What the diffusion core, the BO loop and the CLI rely on of a search space."""
    n, f = space.n_nodes, space.n_tokens
    adjacency, positions = space.adjacency(), space.positions()
    assert adjacency.shape == (n, n) and torch.equal(adjacency, torch.triu(adjacency, 1))
    assert set(adjacency.unique().tolist()) <= {0.0, 1.0}
    assert positions.shape == (n,) and positions.dtype == torch.long
    # sampling: seeded, canonical strings
    archs = space.sample(50, np.random.default_rng(0))
    assert archs == space.sample(50, np.random.default_rng(0)) != space.sample(50, np.random.default_rng(1))
    assert all(space.parse(a) == a for a in archs)
    # round trip through the diffusion tensors, also through the model scale and discretisation
    x = space.encode(archs)
    assert x.shape == (50, n, f) and x.dtype == torch.float32 and set(x.unique().tolist()) <= {0.0, 1.0}
    assert bool(space.validity(x).all()) and space.decode(x) == archs
    assert space.decode(space.discretize(((2 * x - 1) * 0.9 + 1) / 2)) == archs
    assert space.iso_key(archs[0]) == space.iso_key(space.parse(archs[0]))
    # invalid matrices decode to None, malformed strings are refused
    junk = torch.ones(2, n, f)
    assert not space.validity(junk).any() and space.decode(junk) == [None, None]
    with pytest.raises(InvalidArchitectureError):
        space.parse("not an architecture")
    # neighbours: valid, distinct, one edit away both ways; mutation picks one
    for arch in archs[:5]:
        nbs = space.neighbours(arch)
        assert nbs and len(set(nbs)) == len(nbs) and arch not in nbs
        assert all(space.parse(b) == b for b in nbs)
        assert all(arch in space.neighbours(b) for b in nbs[:10])
        assert space.mutate(arch, np.random.default_rng(0)) in nbs
    if space.size <= ENUMERABLE:
        listed = list(space.enumerate())
        assert len(listed) == len(set(listed)) == space.size and set(archs) <= set(listed)


@pytest.mark.parametrize("name", SPACES.names())
def test_every_registered_space_meets_the_contract(name):
    check_space_contract(get_space(name))


class ToySpace(SearchSpace):
    """Three nodes in a chain, each one of two operations: 8 architectures such as ``a-b-a``."""

    name = "toy"
    vocab = ("a", "b")
    n_nodes = 3

    @property
    def size(self) -> int:
        return len(self.vocab) ** self.n_nodes

    def adjacency(self) -> torch.Tensor:
        return torch.diag(torch.ones(self.n_nodes - 1), 1)

    def positions(self) -> torch.Tensor:
        return torch.arange(self.n_nodes)

    def parse(self, arch: str) -> str:
        ops = arch.split("-") if isinstance(arch, str) else []
        if len(ops) != self.n_nodes or not set(ops) <= set(self.vocab):
            raise InvalidArchitectureError(f"toy architecture must be 3 of a/b joined by '-', got {arch!r}")
        return arch

    def encode_one(self, arch: str) -> np.ndarray:
        return np.eye(len(self.vocab), dtype=np.float32)[[self.vocab.index(o) for o in arch.split("-")]]

    def decode_one(self, onehot: np.ndarray) -> str:
        return "-".join(self.vocab[int(i)] for i in onehot.argmax(1))

    def validity(self, binary: torch.Tensor) -> torch.Tensor:
        return (binary.sum(-1) == 1).all(-1)

    def iso_key(self, arch: str) -> str:
        return arch

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        return ["-".join(self.vocab[i] for i in row) for row in rng.integers(0, 2, size=(n, self.n_nodes))]

    def neighbours(self, arch: str) -> list[str]:
        ops = arch.split("-")
        return ["-".join(ops[:i] + [o] + ops[i + 1:]) for i in range(self.n_nodes) for o in self.vocab if o != ops[i]]

    def enumerate(self) -> Iterator[str]:
        return ("-".join(ops) for ops in itertools.product(self.vocab, repeat=self.n_nodes))


@pytest.fixture
def toy():
    SPACES.register("toy", ToySpace)
    yield "toy"
    SPACES.unregister("toy")


def test_a_registered_space_meets_the_contract_and_works_in_the_cli(toy, tmp_path, capsys):
    check_space_contract(get_space(toy))
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({"model": {"d_model": 16, "n_layers": 1, "n_heads": 2, "d_ff": 16,
                                             "head_hidden": 16}, "train": {"batch_size": 16}}))
    ckpt = tmp_path / "toy.pt"
    assert main(["train", "--space", toy, "--config", str(cfg), "--steps", "5", "--out", str(ckpt), "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["space"] == "toy" and trained["split"]["size"] == 8
    assert main(["sample", "--space", toy, "--checkpoint", str(ckpt), "--n", "16", "--steps", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["space"] == "toy" and out["n"] == 16
    assert all(get_space(toy).parse(a) == a for a in out["archs"])


def test_registry_refuses_duplicates_and_names_the_valid_entries(toy):
    with pytest.raises(ValueError, match="already registered"):
        SPACES.register(toy, ToySpace)
    with pytest.raises(UnknownNameError, match="mbv3, nb201, tnb101_micro, toy"):
        get_space("nb999")
    with pytest.raises(SystemExit):  # the parser's choices come from the registry
        main(["sample", "--space", "toy2"])


def test_lazy_registration_imports_its_module_only_when_the_entry_is_used(tmp_path, monkeypatch):
    (tmp_path / "lazy_plugin_mod.py").write_text("class Plugin:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[type] = Registry("plug-in")
    reg.register_lazy("plug", "lazy_plugin_mod:Plugin")
    assert "plug" in reg and reg.names() == ["plug"]
    assert "lazy_plugin_mod" not in sys.modules  # named, listed, not imported
    entry = reg.get("plug")
    assert entry.__name__ == "Plugin" and entry.__module__ == "lazy_plugin_mod"
    assert reg.get("plug") is entry
    with pytest.raises(ValueError, match="already registered"):
        reg.register_lazy("plug", "lazy_plugin_mod:Plugin")
    with pytest.raises(ValueError, match="not 'module:attribute'"):
        reg.register_lazy("other", "lazy_plugin_mod.Plugin")
    monkeypatch.delitem(sys.modules, "lazy_plugin_mod")
