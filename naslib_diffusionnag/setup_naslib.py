"""Make a NASLib checkout importable and runnable for the DiffusionNAG plugin on Python >= 3.10.

    git clone https://github.com/automl/NASLib && git -C NASLib checkout 0b51bc18
    python -m naslib_diffusionnag.setup_naslib NASLib

NASLib is not on PyPI, its ``setup.py`` refuses Python > 3.9 and pip-installs two git
repositories, and a few of its lines fail on modern Python / numpy / scikit-learn. This module,
in one command and idempotently (a second run changes nothing and says so):

1. checks the checkout is the NASLib commit it was tested with (``--any-commit`` to try another);
2. plans every source fix (:data:`PATCHES`) and refuses, naming the file and changing nothing,
   when a file does not hold exactly the text it expects; only then writes them all;
3. puts stand-in ``torchvision`` / ``tensorwatch`` packages on the path unless real ones import
   (:mod:`naslib_diffusionnag.naslib_standins`; NASLib imports them but a tabular search never
   calls them);
4. writes a constraints file holding torch and numpy at their installed versions and pip-installs
   NASLib's import-time dependencies under it, then ``pip install --no-deps -e <checkout>``;
5. imports ``naslib.optimizers`` in a fresh interpreter to prove it works.

It lives outside ``naslib_diffusionnag.naslib`` and imports neither torch nor NASLib, so it runs
in a second and works when NASLib (or its dependencies) are still broken. Errors print one line
naming the problem and the fix and exit with code 2.
"""
from __future__ import annotations

import argparse
import importlib.metadata as metadata
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

#: The NASLib commit these patches were written against and tested with.
KNOWN_COMMIT = "0b51bc184622a98317ea1048b2daf7dd1150f243"
STANDIN_PACKAGES = ("torchvision", "tensorwatch")
STANDIN_FOLDER = "naslib_diffusionnag_standins"  # under site-packages, referenced by a .pth file
CONSTRAINTS_NAME = "diffusionnag-constraints.txt"
#: Marker left in NASLib's setup.py where a block was removed (makes the fix detectable).
_MARK = "# [naslib-diffusionnag setup_naslib]"


class SetupError(Exception):
    """A problem the user has to fix; the message is one line naming the problem and the fix."""


@dataclass(frozen=True)
class Patch:
    """Replace ``old`` (expected exactly ``count`` times) by ``new`` in one file of the checkout."""

    path: str
    old: str
    new: str
    why: str
    count: int = 1


_SETUP_VERSION_GATE = """# Check for python version
if sys.version_info.major != 3 or sys.version_info.minor < 7 or sys.version_info.minor > 9:
    raise ValueError(
        'Unsupported Python version %d.%d.%d found. NASLib requires Python '
        '3.7, 3.8 or 3.9' % (sys.version_info.major, sys.version_info.minor, sys.version_info.micro)
    )
"""

_SETUP_GIT_INSTALLS = """git_nasbench301 = "git+https://github.com/automl/nasbench301@no_gin"

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
"""


def _squared_false(arguments: str, indent: str, closing: str) -> Patch:
    """``mean_squared_error(..., squared=False)`` -> ``np.sqrt(mean_squared_error(...))``."""
    return Patch(
        "", f"metrics.mean_squared_error(\n{indent}{arguments}, squared=False{closing}",
        f"np.sqrt(metrics.mean_squared_error(\n{indent}{arguments}){closing}",
        "scikit-learn >= 1.6 removed mean_squared_error's squared= argument (TypeError when RMSE is computed)")


def _at(path: str, patch: Patch) -> Patch:
    return Patch(path, patch.old, patch.new, patch.why, patch.count)


#: Every source fix, in the order applied. Each ``old`` text is exactly NASLib 0b51bc18's.
PATCHES: tuple[Patch, ...] = (
    Patch("setup.py", _SETUP_VERSION_GATE,
          f"{_MARK} Python version check removed (NASLib runs on >= 3.10 with these fixes)\n",
          "setup.py raises ValueError on Python > 3.9, so pip cannot install it"),
    Patch("setup.py", _SETUP_GIT_INSTALLS,
          f"{_MARK} 'pip install git+...' of nasbench301 / NASBench-PyTorch removed "
          "(nasbench-pytorch comes from PyPI)\n",
          "setup.py pip-installs two GitHub repositories (network, unpinned, and a second torch "
          "resolution) every time it is run"),
    Patch("naslib/predictors/gp/gpwl_utils/vertex_histogram.py", "from collections import Iterable\n",
          "from collections.abc import Iterable\n",
          "collections.Iterable was removed in Python 3.10: 'import naslib.optimizers' fails (GPWL predictor)"),
    Patch("naslib/predictors/gp/gpwl_utils/wl_kernel.py", "import collections\nimport warnings\n",
          "import collections\nimport collections.abc\nimport warnings\n",
          "makes collections.abc available for the fix below"),
    Patch("naslib/predictors/gp/gpwl_utils/wl_kernel.py", "collections.Iterable)",
          "collections.abc.Iterable)",
          "collections.Iterable was removed in Python 3.10: AttributeError when the GPWL kernel runs",
          count=4),
    Patch("naslib/utils/__init__.py", "        np.sum(\n            np.prod(v.size())\n",
          "        sum(\n            np.prod(v.size())\n",
          "numpy >= 2.4 raises TypeError for np.sum(generator): NASLib's Trainer crashes in "
          "count_parameters_in_MB before every search"),
    _at("naslib/utils/__init__.py", _squared_false("yval_i, ypred_i", "                ", ")")),
    _at("naslib/utils/zerocost.py", _squared_false("ytest, test_pred", "            ", "\n        )")),
    _at("naslib/defaults/predictor_evaluator.py",
        _squared_false("ytest, test_pred", "                ", "\n            )")),
    Patch("naslib/predictors/seminas.py", ".astype(\n                        np.int\n                    )",
          ".astype(\n                        int\n                    )",
          "np.int was removed in numpy 1.24: AttributeError when the SemiNAS predictor up-samples"),
    Patch("naslib/predictors/omni_seminas.py", ".astype(\n                        np.int\n                    )",
          ".astype(\n                        int\n                    )",
          "np.int was removed in numpy 1.24: AttributeError when the OmniSemiNAS predictor up-samples"),
)


@dataclass(frozen=True)
class Requirement:
    """A NASLib import-time dependency; ``alternatives`` satisfy it too (xgboost for xgboost-cpu)."""

    name: str
    version: str | None = None
    no_deps: bool = False
    alternatives: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name


#: What ``import naslib.optimizers`` / ``naslib.defaults.trainer`` / ``naslib.search_spaces``
#: import (every predictor is imported, so all must install), modern versions. xgboost-cpu
#: avoids xgboost's multi-GB CUDA (nccl) wheel; pybnn 0.0.5 is installed without its
#: dependencies because it requires torchvision (which would pull another torch).
REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("pyyaml"), Requirement("networkx"), Requirement("scipy"), Requirement("tqdm"),
    Requirement("matplotlib"), Requirement("scikit-learn"), Requirement("scikit-image"),
    Requirement("fvcore"), Requirement("pyro-ppl"), Requirement("xgboost-cpu", alternatives=("xgboost",)),
    Requirement("lightgbm"), Requirement("ngboost"), Requirement("grakel"), Requirement("emcee"),
    Requirement("ConfigSpace"), Requirement("seaborn"), Requirement("pytorch-msssim"),
    Requirement("termcolor"), Requirement("transforms3d"), Requirement("six"),
    Requirement("nasbench-pytorch", "1.3.1"), Requirement("pybnn", "0.0.5", no_deps=True),
)
HELD = ("torch", "numpy")  # pinned to their installed versions in the constraints file


# ---- checkout and commit ----------------------------------------------------------------------
def check_checkout(root: Path) -> None:
    """Refuse a path that is not a NASLib source tree before anything else looks at it."""
    if not root.is_dir():
        raise SetupError(f"{root} is not a folder; pass the path of a NASLib checkout "
                         "(git clone https://github.com/automl/NASLib)")
    if not (root / "setup.py").is_file() or not (root / "naslib" / "__init__.py").is_file():
        raise SetupError(f"{root} does not look like a NASLib checkout (no setup.py and naslib/__init__.py); "
                         "pass the folder 'git clone https://github.com/automl/NASLib' made")


def git_commit(root: Path) -> str | None:
    """The checkout's HEAD commit, or None when it is not a git checkout (or git is missing)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    if out.returncode != 0 or not commit:
        return None
    top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                         text=True, timeout=30, check=False).stdout.strip()
    # a NASLib tree copied inside some other repository is not "at" that repository's commit
    return commit if top and Path(top).resolve() == root.resolve() else None


def check_commit(root: Path, any_commit: bool) -> str:
    """Refuse a checkout at another commit unless ``--any-commit``; return a line saying what was found."""
    commit = git_commit(root)
    if commit == KNOWN_COMMIT:
        return f"NASLib checkout {root} at the tested commit {KNOWN_COMMIT[:8]}"
    found = f"at commit {commit[:8]}" if commit else "not a git checkout (its commit is unknown)"
    if not any_commit:
        raise SetupError(f"{root} is {found}, not {KNOWN_COMMIT[:8]}, the NASLib commit these fixes were "
                         f"tested with; run 'git -C {root} checkout {KNOWN_COMMIT[:8]}', or pass "
                         "--any-commit to try anyway (every file is still checked before it is patched)")
    return (f"warning: NASLib checkout {root} is {found}, not the tested {KNOWN_COMMIT[:8]} "
            "(--any-commit); files are patched only where they hold the expected text")


# ---- source fixes -----------------------------------------------------------------------------
@dataclass
class FilePlan:
    """One file's fixes: its bytes now, its bytes after, and which fixes are new / already in."""

    path: Path
    before: bytes
    after: bytes
    applied: list[Patch]
    already: list[Patch]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0]


def plan_file(root: Path, rel: str, patches: Sequence[Patch]) -> FilePlan:
    """Work out one file's fixes without writing; raise naming the file if its text is unexpected."""
    path = root / rel
    if not path.is_file():
        raise SetupError(f"{rel}: file missing in {root}, so this is not the NASLib layout these fixes "
                         f"know; nothing was changed (check out NASLib {KNOWN_COMMIT[:8]})")
    before = path.read_bytes()
    try:
        text = before.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SetupError(f"{rel}: not UTF-8 text ({e.reason} at byte {e.start}), so it is not NASLib "
                         f"{KNOWN_COMMIT[:8]}'s file; nothing was changed; restore it with "
                         f"'git -C {root} checkout -- {rel}'") from e
    applied: list[Patch] = []
    already: list[Patch] = []
    for p in patches:
        n_old, n_new = text.count(p.old), text.count(p.new)
        if n_old == 0 and n_new == p.count:
            already.append(p)
        elif n_old == p.count and n_new == 0:
            text = text.replace(p.old, p.new)
            applied.append(p)
        else:
            raise SetupError(
                f"{rel}: unexpected content (expected {p.count}x {_first_line(p.old)!r}, found {n_old}; "
                f"fixed form found {n_new}x), so it is not NASLib {KNOWN_COMMIT[:8]}'s file; nothing was "
                f"changed; restore it with 'git -C {root} checkout -- {rel}' or fix it by hand ({p.why})")
    return FilePlan(path, before, text.encode("utf-8"), applied, already)


def plan_patches(root: Path, patches: Iterable[Patch] = PATCHES) -> list[FilePlan]:
    """Plan every file before touching any, so an unexpected file leaves the checkout unchanged."""
    by_file: dict[str, list[Patch]] = {}
    for p in patches:
        by_file.setdefault(p.path, []).append(p)
    return [plan_file(root, rel, ps) for rel, ps in by_file.items()]


def write_plans(plans: Sequence[FilePlan]) -> int:
    """Write every changed file, all or none: temporaries first, then renames, undone on failure."""
    changed = [p for p in plans if p.after != p.before]
    temps: list[tuple[FilePlan, Path]] = []
    done: list[FilePlan] = []
    try:
        for plan in changed:
            tmp = plan.path.with_name(plan.path.name + ".diffusionnag-tmp")
            tmp.write_bytes(plan.after)
            os.chmod(tmp, plan.path.stat().st_mode & 0o7777)
            temps.append((plan, tmp))
        for plan, tmp in temps:
            os.replace(tmp, plan.path)
            done.append(plan)
    except OSError as e:
        for plan in done:
            plan.path.write_bytes(plan.before)
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
        raise SetupError(f"could not write {e.filename}: {e.strerror}; nothing was changed "
                         "(make the checkout writable and run this again)") from e
    return len(changed)


# ---- stand-ins --------------------------------------------------------------------------------
def standin_source() -> Path:
    """The folder holding the stand-in packages shipped with this package."""
    return Path(__file__).resolve().parent / "naslib_standins"


def _package_files(package: Path) -> dict[str, bytes]:
    return {str(f.relative_to(package)): f.read_bytes() for f in sorted(package.rglob("*.py"))}


def copy_standin(name: str, target: Path) -> bool:
    """Copy stand-in package ``name`` into ``target``; return whether any file changed."""
    source = _package_files(standin_source() / name)
    dest = target / name
    current = _package_files(dest) if dest.is_dir() else {}
    if current == source:
        return False
    for rel, data in source.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    for rel in set(current) - set(source):  # files of an older stand-in version
        (dest / rel).unlink()
    return True


def _import_check(module: str) -> str | None:
    """Import ``module`` in a fresh interpreter; None when it works, else its last error line."""
    out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                         timeout=600, check=False)
    if out.returncode == 0:
        return None
    lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit code {out.returncode}"


def standin_needed(name: str, folder: Path) -> bool:
    """Whether ``name`` needs the stand-in: not installed, or installed only as our stand-in.

    A real package that imports wins (the stand-in is not installed). A real one that fails to
    import is refused: the stand-in comes after site-packages on ``sys.path`` and would be hidden.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return True
    origin = Path(spec.origin).resolve()
    if folder.resolve() in origin.parents or any(p.name == STANDIN_FOLDER for p in origin.parents):
        return True  # ours, here or in the environment a --system-site-packages venv sees
    probe = {"torchvision": "torchvision.transforms", "tensorwatch": "tensorwatch"}[name]
    error = _import_check(probe)
    if error is not None:
        raise SetupError(f"{name} at {origin.parent} fails to import ({error}); uninstall it "
                         f"('pip uninstall {name}') so the stand-in is used, or install a build that "
                         "matches your torch")
    return False


def site_packages() -> Path:
    """Where pip installs for this interpreter (a venv's or the system's site-packages)."""
    return Path(sysconfig.get_paths()["purelib"])


def plan_standins(target: Path | None) -> tuple[Path, list[str], list[str]]:
    """Decide where the stand-ins go and which are needed, before anything is written."""
    if target is not None:  # an explicit folder: always written, the user puts it on PYTHONPATH
        return target, list(STANDIN_PACKAGES), []
    folder = site_packages() / STANDIN_FOLDER
    needed = [n for n in STANDIN_PACKAGES if standin_needed(n, folder)]
    return folder, needed, [n for n in STANDIN_PACKAGES if n not in needed]


def install_standins(folder: Path, names: Sequence[str], pth: Path | None) -> list[str]:
    """Copy the needed stand-ins and reference their folder from ``pth``; return what changed.

    A ``.pth`` line is appended to ``sys.path`` after site-packages, so a real torchvision that
    pip installs later takes precedence over the stand-in without anyone removing it.
    """
    changed = [n for n in names if copy_standin(n, folder)]
    if pth is not None and names:
        line = f"{folder}\n"
        if not pth.is_file() or pth.read_text() != line:
            pth.write_text(line)
            changed.append(pth.name)
    return changed


# ---- pip --------------------------------------------------------------------------------------
def installed_version(name: str) -> str | None:
    """The installed distribution's version, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def constraints_text(versions: dict[str, str | None]) -> str:
    """The constraints file: torch and numpy held at their installed versions."""
    missing = [n for n, v in versions.items() if v is None]
    if missing:
        raise SetupError(f"{', '.join(missing)} not installed; install them first (this project's README "
                         "install line) so pip cannot choose a multi-GB torch build for NASLib's dependencies")
    lines = [f"{n}=={v}" for n, v in versions.items()]
    return ("# written by naslib_diffusionnag.setup_naslib: holds these at their installed versions so\n"
            "# pip cannot replace them while installing NASLib's dependencies (a new torch is GBs)\n"
            + "\n".join(lines) + "\n")


def write_constraints(path: Path, versions: dict[str, str | None]) -> bool:
    """Write the constraints file; return whether it changed."""
    text = constraints_text(versions)
    if path.is_file() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def missing_requirements(reqs: Iterable[Requirement] = REQUIREMENTS) -> list[Requirement]:
    """Requirements not installed (or a pinned one at another version)."""
    out = []
    for r in reqs:
        have = [v for v in (installed_version(n) for n in (r.name, *r.alternatives)) if v is not None]
        if not have or (r.version is not None and r.version not in have):
            out.append(r)
    return out


def naslib_install_location() -> Path | None:
    """Where the installed ``naslib`` distribution is an editable install of, if it is one."""
    try:
        text = metadata.distribution("naslib").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    info = json.loads(text)
    if not info.get("dir_info", {}).get("editable"):
        return None
    url = urlparse(info.get("url", ""))
    return Path(unquote(url.path)).resolve() if url.scheme == "file" else None


def pip(args: Sequence[str]) -> None:
    """Run pip of this interpreter with its output shown; raise if it fails."""
    cmd = [sys.executable, "-m", "pip", "install", *args]
    print("+ " + " ".join(cmd), flush=True)
    rc = subprocess.run(cmd, check=False).returncode
    if rc != 0:
        raise SetupError(f"pip failed (exit code {rc}, output above); the source fixes are in place, so fix "
                         "the cause (network to PyPI, disk space) and run this command again")


def install(root: Path, constraints: Path, say: Callable[[str], None]) -> int:
    """pip-install NASLib's dependencies under the constraints, then NASLib itself; return the changes."""
    held = {n: installed_version(n) for n in HELD}
    changes = 0
    if write_constraints(constraints, held):
        say(f"wrote {constraints} ({', '.join(f'{n}=={v}' for n, v in held.items())})")
        changes += 1
    missing = missing_requirements()
    with_deps = [r.spec for r in missing if not r.no_deps]
    without = [r.spec for r in missing if r.no_deps]
    if with_deps:
        pip(["-c", str(constraints), *with_deps])
        changes += 1
    if without:
        pip(["--no-deps", "-c", str(constraints), *without])
        changes += 1
    if not missing:
        say("NASLib's import-time dependencies are installed (pip not run)")
    location = naslib_install_location()
    if location != root.resolve():
        if location is not None:
            say(f"replacing the NASLib installed from {location}")
        pip(["--no-deps", "-e", str(root)])
        changes += 1
    else:
        say(f"NASLib is installed editable from {root} (pip not run)")
    after = {n: installed_version(n) for n in HELD}
    if after != held:
        raise SetupError(f"pip changed {held} to {after}; reinstall the previous versions "
                         f"(pip install {' '.join(f'{n}=={v}' for n, v in held.items())})")
    return changes


def verify() -> str:
    """Import what the plugin uses in a fresh interpreter (where the .pth file is read)."""
    error = _import_check("naslib.optimizers, naslib.defaults.trainer, naslib.search_spaces")
    if error is not None:
        raise SetupError(f"'import naslib.optimizers' still fails ({error}); report it with this command's "
                         "output (a NASLib commit other than the tested one may need more fixes)")
    return "import naslib.optimizers, naslib.defaults.trainer, naslib.search_spaces: ok"


# ---- command line -----------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m naslib_diffusionnag.setup_naslib",
        description="Patch a NASLib checkout for Python >= 3.10, put torchvision/tensorwatch stand-ins on "
                    "the path, and pip-install it with its import-time dependencies (torch and numpy "
                    f"held). Tested with NASLib {KNOWN_COMMIT[:8]}. Running it again changes nothing.")
    ap.add_argument("checkout", type=Path, help="the NASLib folder 'git clone https://github.com/automl/NASLib' made")
    ap.add_argument("--any-commit", action="store_true",
                    help=f"allow a checkout at a commit other than {KNOWN_COMMIT[:8]} (default: refuse)")
    ap.add_argument("--no-install", action="store_true",
                    help="only patch the sources and place the stand-ins: no pip, no import check")
    ap.add_argument("--no-standins", action="store_true", help="do not install the torchvision/tensorwatch stand-ins")
    ap.add_argument("--standins-dir", type=Path, default=None, metavar="DIR",
                    help=f"write the stand-ins into DIR (you put it on PYTHONPATH) instead of "
                         f"site-packages/{STANDIN_FOLDER} referenced by a .pth file (default)")
    ap.add_argument("--constraints", type=Path, default=None, metavar="FILE",
                    help=f"where to write the constraints file (default: <checkout>/{CONSTRAINTS_NAME})")
    return ap.parse_args(argv)


def run(args: argparse.Namespace, say: Callable[[str], None] = print) -> None:
    """Everything, every check before the first write; report each step through ``say``."""
    root = args.checkout.resolve()
    check_checkout(root)
    commit_line = check_commit(root, args.any_commit)
    plans = plan_patches(root)
    standins = None if args.no_standins else plan_standins(args.standins_dir)
    if not args.no_install:  # a missing torch is found before anything is written
        constraints_text({n: installed_version(n) for n in HELD})
    say(commit_line)
    changes = write_plans(plans)
    for plan in plans:
        for p in plan.applied:
            say(f"fixed {plan.path.relative_to(root)}: {p.why}")
    n_already = sum(len(p.already) for p in plans)
    if n_already:
        say(f"{n_already} of {len(PATCHES)} source fixes were already in place")
    if standins is not None:
        folder, needed, real = standins
        pth = None if args.standins_dir is not None else folder.parent / f"{STANDIN_FOLDER}.pth"
        written = install_standins(folder, needed, pth)
        changes += len(written)
        for n in written:
            say(f"stand-in {n} written to {folder}" if n in STANDIN_PACKAGES
                else f"wrote {folder.parent / n} (puts {folder} on sys.path, after site-packages)")
        for n in real:
            say(f"real {n} imports; no stand-in for it")
        if args.standins_dir is not None:
            say(f"put {folder} on PYTHONPATH for NASLib to import")
    if not args.no_install:
        changes += install(root, args.constraints or root / CONSTRAINTS_NAME, say)
        say(verify())
    if changes == 0:
        say("already set up: nothing changed")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args, lambda line: print(line, flush=True))
    except SetupError as e:
        print(f"setup_naslib: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
