"""Predictor guidance: noise-aware predictors, objectives, and the guided score function."""
from .guide import (
                    GuidanceTerm,
                    NonFiniteGuidanceError,
                    default_guidance,
                    guidance_log_likelihood,
                    guided_score_fn,
                    linear_schedule,
                    scale_schedule,
)
from .exact import ExpectedCostPredictor, SoftCost, entry_posterior
from .labels import LabelTransform, NormalScores, ZScore, fit_labels
from .objectives import Objective
from .predictors import (
                    DirectedGCNPredictor,
                    NoiseAwarePredictor,
                    PredictorConfig,
                    fit_predictor,
                    predict_clean,
)

__all__ = ["GuidanceTerm", "NonFiniteGuidanceError", "guidance_log_likelihood", "guided_score_fn",
           "linear_schedule", "scale_schedule", "Objective", "DirectedGCNPredictor",
           "NoiseAwarePredictor", "PredictorConfig", "fit_predictor", "predict_clean",
           "LabelTransform", "NormalScores", "ZScore", "fit_labels", "default_guidance",
           "ExpectedCostPredictor", "SoftCost", "entry_posterior"]
