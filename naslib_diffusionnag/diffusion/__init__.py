"""Score-based diffusion over node-attributed DAGs; knows no search space and no NASLib."""
from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .config import (
                     SDE_PRESETS,
                     DiffusionConfig,
                     ModelConfig,
                     SamplerConfig,
                     SDEConfig,
                     TrainConfig,
                     check_t_start,
                     sde_preset,
)
from .losses import dsm_loss
from .rng import normal_like, scoped_seed, uniform_like
from .sampling import EulerMaruyamaPredictor, LangevinCorrector, pc_sample
from .score_fn import ScoreFn, get_score_fn
from .score_net import ScoreTransformer, attention_mask
from .sde import VESDE
from .training import from_model_scale, to_model_scale, train_score_model

__all__ = [
                     "SDE_PRESETS",
                     "VESDE",
                     "Checkpoint",
                     "DiffusionConfig",
                     "EulerMaruyamaPredictor",
                     "LangevinCorrector",
                     "ModelConfig",
                     "SDEConfig",
                     "SamplerConfig",
                     "ScoreFn",
                     "ScoreTransformer",
                     "TrainConfig",
                     "attention_mask",
                     "check_t_start",
                     "dsm_loss",
                     "from_model_scale",
                     "get_score_fn",
                     "load_checkpoint",
                     "normal_like",
                     "pc_sample",
                     "save_checkpoint",
                     "scoped_seed",
                     "sde_preset",
                     "to_model_scale",
                     "train_score_model",
                     "uniform_like",
]
