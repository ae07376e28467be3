"""``python -m naslib_diffusionnag.setup_naslib``: on a small tree shaped like the NASLib files it
patches (the relevant lines only, written here), the fixes apply, a second run is a no-op, an
unexpected file is refused with nothing modified, and the torchvision / tensorwatch stand-ins
support what NASLib does with them at import time. No pip, no NASLib, no network."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from naslib_diffusionnag import setup_naslib as sn

# The lines of NASLib 0b51bc18 the fixes touch, inside just enough code to be valid Python.
FIXTURE = {
    "naslib/__init__.py": "",
    "setup.py": '''import os
import sys
import subprocess
from setuptools import setup, find_packages

# Check for python version
if sys.version_info.major != 3 or sys.version_info.minor < 7 or sys.version_info.minor > 9:
    raise ValueError(
        'Unsupported Python version %d.%d.%d found. NASLib requires Python '
        '3.7, 3.8 or 3.9' % (sys.version_info.major, sys.version_info.minor, sys.version_info.micro)
    )


cwd = os.path.dirname(os.path.abspath(__file__))
git_nasbench301 = "git+https://github.com/automl/nasbench301@no_gin"

try:
    import nasbench301
except ImportError:
    print('Installing nasbench_pytorch')
    if '--user' in sys.argv:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade',
            '--user', git_nasbench301], check=False)
    else:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade',
            git_nasbench301], check=False)

git_nasbench_pytorch = "git+https://github.com/romulus0914/NASBench-PyTorch@master"
try:
    import nasbench_pytorch
except ImportError:
    print('Installing nasbench_pytorch')
    if '--user' in sys.argv:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade',
            '--user', git_nasbench_pytorch], check=False)
    else:
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--upgrade',
            git_nasbench_pytorch], check=False)

#git_nasbench = "git+https://github.com/yashsmehta/nasbench.git@master"

setup(name='naslib', packages=find_packages())
''',
    "naslib/predictors/gp/gpwl_utils/vertex_histogram.py": '''from warnings import warn

from collections import Counter
from collections import Iterable


def check(X):
    return isinstance(X, Iterable)
''',
    "naslib/predictors/gp/gpwl_utils/wl_kernel.py": '''import collections
import warnings

import numpy as np


def parse(X):
    if not isinstance(X, collections.Iterable):
        raise TypeError("input must be an iterable")
    for x in X:
        is_iter = isinstance(x, collections.Iterable)


def transform(X):
    if True:
        if not isinstance(X, collections.Iterable):
            raise TypeError("input must be an iterable")
        for x in X:
            is_iter = isinstance(x, collections.Iterable)
''',
    "naslib/utils/__init__.py": '''import numpy as np
from sklearn import metrics


def count_parameters_in_MB(model):
    """
    Returns the model parameters in mega byte.
    """
    return (
        np.sum(
            np.prod(v.size())
            for name, v in model.named_parameters()
            if "auxiliary" not in name
        )
        / 1e6
    )


def cross_validation(yval_i, ypred_i, score_metric):
    for _ in range(1):
        if score_metric == "rmse":
            score_i = metrics.mean_squared_error(
                yval_i, ypred_i, squared=False)
    return score_i
''',
    "naslib/utils/zerocost.py": '''import numpy as np
from sklearn import metrics


def compute_scores(ytest, test_pred):
    metrics_dict = {}
    if True:
        metrics_dict["rmse"] = metrics.mean_squared_error(
            ytest, test_pred, squared=False
        )
    return metrics_dict
''',
    "naslib/defaults/predictor_evaluator.py": '''import numpy as np
from sklearn import metrics


class PredictorEvaluator:
    def compare(self, ytest, test_pred):
        metrics_dict = {}
        try:
            metrics_dict["rmse"] = metrics.mean_squared_error(
                ytest, test_pred, squared=False
            )
        except ValueError:
            pass
        return metrics_dict
''',
}
_UPSAMPLE = '''import numpy as np


class {name}:
    def fit(self, m, xtrain):
        up_sample_ratio = None
        for _ in range(1):
            for _ in range(1):
                if up_sample_ratio is None:
                    up_sample_ratio = np.ceil(m / len(xtrain)).astype(
                        np.int
                    )
        return up_sample_ratio
'''
FIXTURE["naslib/predictors/seminas.py"] = _UPSAMPLE.format(name="SemiNAS")
FIXTURE["naslib/predictors/omni_seminas.py"] = _UPSAMPLE.format(name="OmniSemiNAS")


def make_tree(root: Path, files: dict[str, str] = FIXTURE) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode("utf-8", "surrogateescape"))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "NASLib")


@pytest.fixture(autouse=True)
def no_pip(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("pip must not run in unit tests")

    monkeypatch.setattr(sn, "pip", fail)


def setup(tree: Path, *extra: str) -> int:
    return sn.main([str(tree), "--no-install", "--standins-dir", str(tree.parent / "standins"), *extra])


def test_every_fix_applies_and_the_files_stay_valid_python(tree, capsys):
    assert setup(tree, "--any-commit") == 0
    out = capsys.readouterr().out
    assert "not a git checkout" in out and "warning" in out
    assert out.count("fixed ") == len(sn.PATCHES)
    for rel, before in FIXTURE.items():
        after = (tree / rel).read_text()
        if rel != "naslib/__init__.py":
            assert after != before, rel
        compile(after, rel, "exec")
    setup_py = (tree / "setup.py").read_text()
    assert "sys.version_info.minor > 9" not in setup_py and "subprocess.run" not in setup_py
    assert "setup(name='naslib'" in setup_py and "#git_nasbench = " in setup_py  # the rest is kept
    gp = tree / "naslib/predictors/gp/gpwl_utils"
    assert "from collections.abc import Iterable\n" in (gp / "vertex_histogram.py").read_text()
    wl = (gp / "wl_kernel.py").read_text()
    assert wl.count("collections.abc.Iterable)") == 4 and "import collections.abc\n" in wl
    utils = (tree / "naslib/utils/__init__.py").read_text()
    assert "        sum(\n            np.prod(v.size())" in utils
    for rel in ("naslib/utils/__init__.py", "naslib/utils/zerocost.py", "naslib/defaults/predictor_evaluator.py"):
        text = (tree / rel).read_text()
        assert "squared=False" not in text and "np.sqrt(metrics.mean_squared_error(" in text, rel
    for rel in ("naslib/predictors/seminas.py", "naslib/predictors/omni_seminas.py"):
        assert "np.int\n" not in (tree / rel).read_text()


def test_fixed_code_runs_on_modern_numpy(tree):
    """The two numpy fixes, executed: np.sum(generator) and np.int fail on numpy >= 2.4 unfixed."""
    np = pytest.importorskip("numpy")
    setup(tree, "--any-commit")
    ns: dict = {}
    utils = (tree / "naslib/utils/__init__.py").read_text().replace("from sklearn import metrics\n", "")
    exec(compile(utils, "utils", "exec"), ns)

    class Param:
        def __init__(self, *shape):
            self.shape = shape

        def size(self):
            return self.shape

    class Model:
        def named_parameters(self):
            return [("a", Param(1000, 1000)), ("auxiliary.b", Param(10)), ("c", Param(500))]

    assert ns["count_parameters_in_MB"](Model()) == pytest.approx(1.0005)
    exec(compile((tree / "naslib/predictors/seminas.py").read_text(), "seminas", "exec"), ns)
    assert ns["SemiNAS"]().fit(7, [1, 2]) == 4 and np.__version__


def test_second_run_changes_nothing_and_says_so(tree, capsys):
    assert setup(tree, "--any-commit") == 0
    first = snapshot(tree.parent)
    capsys.readouterr()
    assert setup(tree, "--any-commit") == 0
    out = capsys.readouterr().out
    assert snapshot(tree.parent) == first  # checkout and stand-ins byte-identical
    assert "fixed " not in out and f"{len(sn.PATCHES)} of {len(sn.PATCHES)} source fixes were already" in out
    assert out.rstrip().endswith("already set up: nothing changed")


def _unexpected(files: dict[str, str]) -> None:
    files["naslib/predictors/omni_seminas.py"] = files["naslib/predictors/omni_seminas.py"].replace("np.int\n", "np.int64\n")


def _three_iterables(files: dict[str, str]) -> None:
    wl = "naslib/predictors/gp/gpwl_utils/wl_kernel.py"
    files[wl] = files[wl].replace("collections.Iterable)", "collections.abc.Iterable)", 1)


def _binary(files: dict[str, str]) -> None:
    files["naslib/utils/zerocost.py"] = "\udcff"  # written as a lone 0xff byte below


def _missing(files: dict[str, str]) -> None:
    del files["naslib/defaults/predictor_evaluator.py"]


@pytest.mark.parametrize(("change", "named"), [
    (_unexpected, "naslib/predictors/omni_seminas.py"),
    (_three_iterables, "naslib/predictors/gp/gpwl_utils/wl_kernel.py"),
    (_missing, "naslib/defaults/predictor_evaluator.py"),
    (_binary, "naslib/utils/zerocost.py"),
])
def test_unexpected_file_is_refused_and_nothing_is_modified(tmp_path, capsys, change, named):
    files = dict(FIXTURE)
    change(files)
    tree = make_tree(tmp_path / "NASLib", files)
    before = snapshot(tmp_path)
    assert setup(tree, "--any-commit") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("setup_naslib: error: " + named)
    assert "nothing was changed" in err
    assert snapshot(tmp_path) == before  # not one file patched, no stand-ins written


def test_half_fixed_file_is_refused(tree, capsys):
    """Old and fixed text mixed in one fix (2 of 4 replaced by hand) is not guessed at."""
    wl = tree / "naslib/predictors/gp/gpwl_utils/wl_kernel.py"
    wl.write_text(wl.read_text().replace("collections.Iterable)", "collections.abc.Iterable)", 2))
    assert setup(tree, "--any-commit") == 2
    assert "wl_kernel.py: unexpected content" in capsys.readouterr().err


def test_other_commit_is_refused_without_the_flag(tree, capsys):
    before = snapshot(tree.parent)
    assert setup(tree) == 2
    err = capsys.readouterr().err
    assert "not a git checkout" in err and "--any-commit" in err and sn.KNOWN_COMMIT[:8] in err
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t"]
    if subprocess.run([*git, "init", "-q"], capture_output=True).returncode == 0:
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "fixture"], check=True)
        before = snapshot(tree.parent)
        assert setup(tree) == 2
        head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        assert f"at commit {head[:8]}" in capsys.readouterr().err
    assert snapshot(tree.parent) == before


def test_known_commit_is_accepted_without_warning(tree, capsys, monkeypatch):
    monkeypatch.setattr(sn, "git_commit", lambda root: sn.KNOWN_COMMIT)
    assert setup(tree) == 0
    out = capsys.readouterr().out
    assert "at the tested commit 0b51bc18" in out and "warning" not in out


@pytest.mark.parametrize("make", ["nothing", "file", "other"])
def test_a_path_that_is_not_naslib_is_refused(tmp_path, capsys, make):
    path = tmp_path / "x"
    if make == "file":
        path.write_text("")
    elif make == "other":
        (path / "naslib").mkdir(parents=True)
    assert sn.main([str(path), "--no-install", "--any-commit"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "NASLib" in err


STANDIN_USE = '''
import sys
import torchvision
import torchvision.datasets as dset
import torchvision.models as models
import torchvision.transforms as T
from torchvision.transforms import functional as F
import tensorwatch as tw

assert torchvision.IS_DIFFUSIONNAG_STANDIN and tw.IS_DIFFUSIONNAG_STANDIN
assert "torch" not in sys.modules  # the stand-in costs nothing

class Compose(T.Compose):  # naslib/utils/load_ops.py, at import time
    def __init__(self, task_name, transforms):
        self.transforms = transforms
        self.task_name = task_name

assert Compose("normal", [lambda v: v + 1, lambda v: v * 2])(3) == 8
assert T.Compose([str])(5) == "5"
for base in (T.Resize, T.ToPILImage, T.ToTensor, T.Normalize, T.RandomHorizontalFlip, T.RandomGrayscale,
             T.ColorJitter):
    sub = type("Sub", (base,), {})
    sub(32, interpolation=2)  # NASLib's subclasses call super().__init__(...)

def get_model_stats(model, shape) -> tw.ModelStats:  # the zero-cost model_stats annotation
    pass

failures = 0
for use in (lambda: dset.CIFAR10("data"), lambda: models.resnet50(), lambda: T.RandomCrop(32),
            lambda: F.resize(None, 32), lambda: T.ToTensor()(None), lambda: tw.ModelStats(None, None)):
    try:
        use()
    except RuntimeError as e:
        assert "stand-in" in str(e), e
        failures += 1
assert failures == 6
print("ok")
'''


def test_standins_import_and_support_what_naslib_needs(tree):
    setup(tree, "--any-commit")
    folder = tree.parent / "standins"
    assert sorted(p.name for p in folder.iterdir()) == ["tensorwatch", "torchvision"]
    out = subprocess.run([sys.executable, "-c", STANDIN_USE], capture_output=True, text=True, timeout=60,
                         cwd=tree.parent, env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_standins_yield_to_a_real_package(tmp_path, monkeypatch):
    """A real torchvision that imports wins; a broken one is refused; ours is updated in place."""
    folder = tmp_path / "site" / sn.STANDIN_FOLDER
    monkeypatch.setattr(sn.importlib.util, "find_spec", lambda name: None)
    assert sn.standin_needed("torchvision", folder)
    ours = type("Spec", (), {"origin": str(folder / "torchvision" / "__init__.py")})()
    monkeypatch.setattr(sn.importlib.util, "find_spec", lambda name: ours)
    assert sn.standin_needed("torchvision", folder)
    system = type("Spec", (), {"origin": str(tmp_path / "sys" / sn.STANDIN_FOLDER / "torchvision" / "__init__.py")})()
    monkeypatch.setattr(sn.importlib.util, "find_spec", lambda name: system)
    assert sn.standin_needed("torchvision", folder)  # a venv seeing the system's stand-in gets its own
    real = type("Spec", (), {"origin": str(tmp_path / "site" / "torchvision" / "__init__.py")})()
    monkeypatch.setattr(sn.importlib.util, "find_spec", lambda name: real)
    monkeypatch.setattr(sn, "_import_check", lambda module: None)
    assert not sn.standin_needed("torchvision", folder)
    monkeypatch.setattr(sn, "_import_check", lambda module: "OSError: undefined symbol")
    with pytest.raises(sn.SetupError, match="pip uninstall torchvision"):
        sn.standin_needed("torchvision", folder)


def test_pth_file_puts_the_standins_after_site_packages(tmp_path):
    folder, pth = tmp_path / sn.STANDIN_FOLDER, tmp_path / f"{sn.STANDIN_FOLDER}.pth"
    assert sn.install_standins(folder, ["torchvision"], pth) == ["torchvision", pth.name]
    assert pth.read_text() == f"{folder}\n" and (folder / "torchvision" / "transforms" / "__init__.py").is_file()
    assert not (folder / "tensorwatch").exists()
    assert sn.install_standins(folder, ["torchvision"], pth) == []
    (folder / "torchvision" / "stale.py").write_text("")
    assert sn.install_standins(folder, ["torchvision"], pth) == ["torchvision"]
    assert not (folder / "torchvision" / "stale.py").exists()


def test_constraints_hold_torch_and_numpy(tmp_path):
    path = tmp_path / "c.txt"
    assert sn.write_constraints(path, {"torch": "2.13.0+cpu", "numpy": "2.4.6"})
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    assert lines == ["torch==2.13.0+cpu", "numpy==2.4.6"]
    assert not sn.write_constraints(path, {"torch": "2.13.0+cpu", "numpy": "2.4.6"})
    with pytest.raises(sn.SetupError, match="torch not installed"):
        sn.constraints_text({"torch": None, "numpy": "2.4.6"})


def test_only_missing_requirements_are_installed(monkeypatch):
    have = {"xgboost": "2.0.0", "nasbench-pytorch": "1.3", "pybnn": "0.0.5"}
    monkeypatch.setattr(sn, "installed_version", have.get)
    reqs = [sn.Requirement("xgboost-cpu", alternatives=("xgboost",)), sn.Requirement("nasbench-pytorch", "1.3.1"),
            sn.Requirement("pybnn", "0.0.5", no_deps=True), sn.Requirement("grakel")]
    assert [r.spec for r in sn.missing_requirements(reqs)] == ["nasbench-pytorch==1.3.1", "grakel"]
    assert not any("torch" == r.name or "torchvision" == r.name for r in sn.REQUIREMENTS)


def test_module_imports_neither_torch_nor_naslib():
    code = ("import sys, naslib_diffusionnag.setup_naslib; "
            "print(sorted(m for m in ('torch', 'naslib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_missing_torch_is_found_before_anything_is_written(tree, capsys, monkeypatch):
    monkeypatch.setattr(sn, "installed_version", lambda name: None if name == "torch" else "1.0")
    before = snapshot(tree.parent)
    assert sn.main([str(tree), "--any-commit", "--standins-dir", str(tree.parent / "standins")]) == 2
    assert "torch not installed" in capsys.readouterr().err
    assert snapshot(tree.parent) == before
