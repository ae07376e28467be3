"""Bad training input: config values out of range or not finite, a training that diverges, and
checkpoints holding non-finite weights. Each is one ``naslib_diffusionnag.errors`` line that
names the setting (or parameter) and the fix, raised before compute where it can be, and a
diverged training writes no checkpoint.

Fast tier: tiny networks, the shipped checkpoint edited, no benchmark data.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from naslib_diffusionnag.cli import main
from naslib_diffusionnag.diffusion import (
    DiffusionConfig,
    ModelConfig,
    SDEConfig,
    TrainConfig,
    train_score_model,
    training,
)
from naslib_diffusionnag.diffusion.score_net import ScoreTransformer
from naslib_diffusionnag.diffusion.sde import VESDE
from naslib_diffusionnag.errors import CheckpointError, ConfigError
from naslib_diffusionnag.generation import ArchitectureGenerator, pretrained_path
from naslib_diffusionnag.spaces import get_space
from naslib_diffusionnag.transfer import MetaPredictor, MetaPredictorConfig, TrainedMetaPredictor

CHAIN = torch.tensor([[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
                     dtype=torch.bool)


def _one_line(excinfo: pytest.ExceptionInfo[Exception]) -> str:
    text = str(excinfo.value)
    assert "\n" not in text, text
    return text


def _config_file(tmp_path: Path, section: str, key: str, value: Any) -> Path:
    """configs/nb201.yaml's sections with one setting replaced (``sde`` as explicit sigmas)."""
    data: dict[str, Any] = {"space": "nb201", "sde": {"sigma_min": 0.1, "sigma_max": 5.0},
                            "model": {"d_model": 64, "n_heads": 4}, "train": {"steps": 10, "seed": 0}}
    data[section][key] = value
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# ---- config values ---------------------------------------------------------------------------
BAD_SETTINGS = [
    ("train", "lr", float("inf"), "train.lr must be a finite number > 0 and <= 1e+37, got inf"),
    ("train", "lr", float("nan"), "train.lr must be a finite number > 0 and <= 1e+37, got nan"),
    ("train", "lr", 1e38, "train.lr must be a finite number > 0 and <= 1e+37, got 1e+38"),
    ("train", "grad_clip", float("inf"), "train.grad_clip must be a finite number > 0, got inf"),
    ("train", "ema_decay", 1.0, "train.ema_decay must be a finite number >= 0 and < 1, got 1.0"),
    ("train", "eps", float("-inf"), "train.eps must be a finite number in (0, 1), got -inf"),
    ("sde", "sigma_max", float("inf"), "sde.sigma_max must be a finite number > sigma_min (0.1), got inf"),
    ("sde", "sigma_max", 0.05, "sde.sigma_max must be a finite number > sigma_min (0.1), got 0.05"),
    ("sde", "sigma_min", 0.0, "sde.sigma_min must be a finite number > 0, got 0.0"),
    ("model", "dropout", 1.5, "model.dropout must be a finite number >= 0 and < 1, got 1.5"),
    ("model", "n_heads", 0, "model.n_heads must be an integer >= 1, got 0"),
    ("model", "n_layers", -1, "model.n_layers must be an integer >= 1, got -1"),
    ("model", "n_layers", 0, "model.n_layers must be an integer >= 1, got 0"),
    ("model", "head_hidden", -5, "model.head_hidden must be an integer >= 1, got -5"),
    ("model", "d_model", 0, "model.d_model must be an integer >= 1, got 0"),
    ("model", "d_ff", 0, "model.d_ff must be an integer >= 1, got 0"),
    ("train", "seed", 2**70, f"train.seed must be an integer in [0, 4294967295], got {2**70}"),
    ("train", "seed", 2**32, "train.seed must be an integer in [0, 4294967295], got 4294967296"),
    ("train", "seed", -1, "train.seed must be an integer in [0, 4294967295], got -1"),
    ("train", "warmup", -1, "train.warmup must be an integer >= 0, got -1"),
]


@pytest.mark.parametrize("section, key, value, message", BAD_SETTINGS)
def test_config_file_refuses_a_setting_out_of_range_naming_file_and_key(tmp_path, section, key, value, message):
    """inf passed the old ``> 0`` tests, sizes of 0 or less failed in torch (ZeroDivisionError,
    negative dimension) or trained a degenerate model, and a huge seed overflowed in torch."""
    path = _config_file(tmp_path, section, key, value)
    with pytest.raises(ConfigError) as e:
        DiffusionConfig.from_yaml(path, "nb201")
    assert _one_line(e) == f"config file {str(path)!r}: {message}"


@pytest.mark.parametrize("section, key, value, message", BAD_SETTINGS)
def test_overrides_and_dataclasses_refuse_the_same_settings(section, key, value, message):
    """The Python API (``with_overrides``, which the CLI's --seed and --steps go through, and the
    dataclasses themselves) says the same as a config file."""
    with pytest.raises(ConfigError) as e:
        DiffusionConfig().with_overrides(**{section: {key: value}})
    assert _one_line(e) == f"config override: {message}"
    cls = {"sde": SDEConfig, "model": ModelConfig, "train": TrainConfig}[section]
    with pytest.raises(ConfigError) as e:
        cls(**{key: value})
    assert _one_line(e) == message


@pytest.mark.parametrize("section, key, value", [
    ("train", "seed", 2**32 - 1), ("train", "seed", 0), ("train", "lr", 1e37), ("train", "warmup", 0),
    ("model", "dropout", 0.0), ("model", "n_layers", 1), ("model", "n_heads", 1), ("train", "ema_decay", 0.0),
    ("sde", "sigma_max", 0.11),
])
def test_the_edges_of_each_range_are_accepted(tmp_path, section, key, value):
    config = DiffusionConfig.from_yaml(_config_file(tmp_path, section, key, value), "nb201")
    assert getattr(getattr(config, section), key) == value


def test_exponent_floats_without_a_decimal_point_are_numbers(tmp_path):
    """PyYAML (YAML 1.1) reads ``lr: 1e-3`` as the string '1e-3', which the type check refused;
    YAML 1.2 and every other reader take the number. A quoted '1e-3' stays a string (refused)."""
    text = (Path(__file__).parents[1] / "configs" / "nb201.yaml").read_text()
    assert "  lr: 0.001\n" in text
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("  lr: 0.001\n", "  lr: 1e-3\n").replace("  eps: ", "  eps: 1E-5 #"))
    config = DiffusionConfig.from_yaml(path, "nb201")
    assert config.train.lr == 0.001 and config.train.eps == config.sampler.eps == 1e-5
    path.write_text(text.replace("  lr: 0.001\n", "  lr: '1e-3'\n"))
    with pytest.raises(ConfigError, match="train.lr is '1e-3'; it must be of type float"):
        DiffusionConfig.from_yaml(path, "nb201")


def test_d_model_must_still_divide_by_n_heads():
    with pytest.raises(ValueError, match="d_model 64 must be even and divisible by n_heads 3"):
        ModelConfig(n_heads=3)


# ---- a training that diverges ----------------------------------------------------------------
NOISE = "narrow the noise scale sde.sigma_min..sigma_max (now 0.1..5)"


def _tiny_net() -> ScoreTransformer:
    torch.manual_seed(0)
    cfg = ModelConfig(d_model=16, n_layers=1, n_heads=2, d_ff=16, head_hidden=16)
    return ScoreTransformer(3, CHAIN, torch.arange(5), cfg)


def _data() -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.randint(0, 3, (32, 5), generator=torch.Generator().manual_seed(0)),
                                       3).float()


def test_a_diverging_training_stops_at_the_first_non_finite_loss():
    """It used to run every step and return NaN weights with a loss of nan."""
    config = TrainConfig(steps=20, batch_size=8, lr=1e6, warmup=1)
    with pytest.raises(ConfigError) as e:
        train_score_model(_tiny_net(), VESDE(SDEConfig()), _data(), config, progress=False)
    message = _one_line(e)
    assert message.startswith("training loss is not finite (")
    assert message.endswith(f" of 20; the training diverged: lower train.lr (now 1e+06), or {NOISE}")
    step = int(message.split(" at step ")[1].split(" ")[0])
    assert 1 < step < 20  # stopped early, after the first step's update blew the weights up


def test_a_noise_scale_too_wide_for_float32_stops_training_too():
    config = TrainConfig(steps=20, batch_size=8, warmup=1)
    with pytest.raises(ConfigError, match=r"^training loss is not finite \(.*\) at step \d+ of 20; the training "
                                          r"diverged: lower train.lr \(now 0.001\), or narrow the noise scale "
                                          r"sde.sigma_min..sigma_max \(now 0.1..1e\+30\)$"):
        train_score_model(_tiny_net(), VESDE(SDEConfig(0.1, 1e30)), _data(), config, progress=False)


def test_non_finite_weights_no_loss_has_seen_are_refused_too(monkeypatch):
    """The losses are the training model's; the returned EMA weights (what a checkpoint saves,
    last updated after the last loss) are checked when training ends."""
    class SpoiltEMA(training.EMA):
        def update(self, model: torch.nn.Module) -> None:
            super().update(model)
            next(self.model.parameters()).data.view(-1)[0] = float("inf")

    monkeypatch.setattr(training, "EMA", SpoiltEMA)
    config = TrainConfig(steps=2, batch_size=8, lr=1e-3, warmup=1)
    with pytest.raises(ConfigError) as e:
        train_score_model(_tiny_net(), VESDE(SDEConfig()), _data(), config, progress=False)
    assert _one_line(e) == ("training weights are not finite after step 2 (parameter embed.weight); the training "
                            f"diverged: lower train.lr (now 0.001), or {NOISE}")


def test_a_sane_training_is_not_refused():
    result = train_score_model(_tiny_net(), VESDE(SDEConfig()), _data(),
                               TrainConfig(steps=5, batch_size=8, warmup=1), progress=False, log_every=1)
    assert len(result.losses) == 5


def test_cli_train_that_diverges_fails_and_writes_no_checkpoint(tmp_path, capsys):
    """``diffusionnag train`` used to save NaN weights with exit code 0 ("final loss nan")."""
    path, out = _config_file(tmp_path, "train", "lr", 1.0e6), tmp_path / "m.pt"
    assert main(["train", "--space", "nb201", "--steps", "20", "--train-split", "0.01", "--config", str(path),
                 "--out", str(out), "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("diffusionnag train: error: training loss is not finite (")
    assert err.endswith(f"lower train.lr (now 1e+06), or {NOISE}")
    assert not out.exists()


# ---- checkpoints with non-finite weights -----------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_checkpoint_with_non_finite_weights_is_refused_at_load(tmp_path, bad):
    """It loaded, sampled nothing valid, and BO with it silently became random search."""
    payload = torch.load(pretrained_path("nb201"), weights_only=True)
    name = list(payload["state_dict"])[3]
    payload["state_dict"][name].view(-1)[0] = bad
    torch.save(payload, tmp_path / "m.pt")
    with pytest.raises(CheckpointError) as e:
        ArchitectureGenerator.load("nb201", tmp_path / "m.pt")
    assert _one_line(e) == (f"checkpoint {tmp_path / 'm.pt'} has non-finite weights (parameter {name}), as a "
                            "diverged training leaves; retrain it with `diffusionnag train --space nb201`")


@pytest.mark.parametrize("space", ["nb201", "mbv3"])
def test_the_shipped_checkpoints_still_load(space):
    assert ArchitectureGenerator.load(space).space.name == space


def test_a_meta_predictor_with_non_finite_weights_is_refused_at_load(tmp_path):
    space = get_space("nb201")
    model = MetaPredictor(space.n_tokens, space.adjacency(), 4, MetaPredictorConfig(hidden=8, set_dim=8, heads=2))
    meta = {"space": "nb201", "dim_task": 4, "tasks": [], "task_input": "full", "descriptor": {"kind": "class-names"},
            "seed": 0, "sources": [], "datasets": [], "meta_dataset_sha256": "0" * 64, "train_seconds": 0.0}
    path = TrainedMetaPredictor(model, meta).save(tmp_path / "meta.pt")
    assert TrainedMetaPredictor.load(path, space).metadata["dim_task"] == 4
    payload = torch.load(path, weights_only=True)
    name = next(k for k, v in payload["state_dict"].items() if v.is_floating_point())
    payload["state_dict"][name].view(-1)[0] = float("nan")
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=rf"^checkpoint {path} has non-finite weights \(parameter {name}\)"):
        TrainedMetaPredictor.load(path, space)


def test_a_config_path_that_is_a_folder_is_called_one(tmp_path):
    """`train --config <folder>` said the folder does not exist."""
    with pytest.raises(ConfigError, match=f"config file '{tmp_path}' is a folder, not a YAML file"):
        DiffusionConfig.from_yaml(tmp_path, "nb201")
    with pytest.raises(ConfigError, match="config file '.*nothing.yaml' does not exist"):
        DiffusionConfig.from_yaml(tmp_path / "nothing.yaml", "nb201")
