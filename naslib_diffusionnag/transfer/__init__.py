"""Transferable NAS: a meta-learned, dataset-aware predictor guides generation for a dataset
no architecture was trained on (paper §3.3 / Tables 1-2).

``metadata`` (meta-dataset, sources, leakage guard) -> ``descriptors`` (task -> per-class
feature sets) -> ``set_encoder`` + ``meta_predictor`` (the dataset-aware noise-aware predictor)
-> ``meta_train`` (fit, checkpoint) -> ``pipeline`` (generate, rank, "train" the top K) and
``transfer_bo`` (BO warm-started by the meta-predictor). The diffusion core imports none of it.
"""
from .descriptors import ClassNameEmbeddings, DescriptorError, FewShot, TaskDescriptor, load_task_features
from .meta_predictor import BoundMetaPredictor, MetaPredictor, MetaPredictorConfig
from .meta_train import TrainedMetaPredictor, meta_train
from .metadata import (
    LeakageError,
    MetaDataset,
    Task,
    check_no_leakage,
    from_benchmark_table,
    load_meta_train_db,
    parse_sources,
)
from .pipeline import TransferNAS, TransferResult, build_meta_predictor, prepare, transfer_nas
from .set_encoder import SetEncoder
from .transfer_bo import transfer_bo

__all__ = [
    "BoundMetaPredictor", "ClassNameEmbeddings", "DescriptorError", "FewShot", "LeakageError", "MetaDataset",
    "MetaPredictor", "MetaPredictorConfig", "SetEncoder", "Task", "TaskDescriptor", "TrainedMetaPredictor",
    "TransferNAS", "TransferResult", "build_meta_predictor", "check_no_leakage", "from_benchmark_table",
    "load_meta_train_db", "load_task_features", "meta_train", "parse_sources", "prepare", "transfer_bo",
    "transfer_nas",
]
