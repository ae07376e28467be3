"""Predictor guidance: noise-aware predictors, objectives, and the guided score function.

Names are imported on first use (most need torch; the schedules and label kinds do not)."""
from __future__ import annotations

from ..lazy import lazy_exports

_EXPORTS = {
    "GuidanceTerm": "guide", "NonFiniteGuidanceError": "guide", "guidance_log_likelihood": "guide",
    "guided_score_fn": "guide",
    "check_scales": "schedule", "default_guidance": "schedule", "linear_schedule": "schedule",
    "scale_schedule": "schedule",
    "LabelTransform": "labels", "NormalScores": "labels", "ZScore": "labels", "fit_labels": "labels",
    "Objective": "objectives",
    "DirectedGCNPredictor": "predictors", "NoiseAwarePredictor": "predictors", "PredictorConfig": "predictors",
    "fit_predictor": "predictors", "predict_clean": "predictors",
}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = list(_EXPORTS)
