"""Stand-in ``torchvision`` and ``tensorwatch`` packages for NASLib's tabular benchmarks.

NASLib imports torchvision and tensorwatch at module level (``naslib/utils/load_ops.py``
subclasses ``torchvision.transforms.Compose`` and seven other transforms at import time; the
zero-cost ``model_stats`` module annotates with ``tensorwatch.ModelStats``) but a search on a
tabular benchmark (NB201 through a ``dataset_api``) never calls them. PyPI's torchvision does not
load beside a local CPU-only torch build and tensorwatch does not install on modern Python, so
:mod:`naslib_diffusionnag.setup_naslib` copies ``torchvision/`` and ``tensorwatch/`` from here
into a folder on the path. Nothing in this package imports them; this folder is data for
``setup_naslib`` (a package only so that it ships in the wheel).

Every name NASLib subclasses at import time is a real class; any other public name is a class
that raises ``StandinUnavailableError`` when it is instantiated, naming the real package to
install. Both packages set ``IS_DIFFUSIONNAG_STANDIN = True``.
"""
