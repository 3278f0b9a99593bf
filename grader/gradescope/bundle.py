"""The autograder zip Gradescope builds its image from (docs/deployment.md).

Layout (every file at the root of the archive, as Gradescope requires)::

    setup.sh           installs the grader into the image: from wheels/ without the network
                       when every wheel is bundled, else from the package index for the rest
    run_autograder     grades /autograder/submission -> /autograder/results/results.json
    requirements.txt   the grader's runtime dependencies, pinned to the versions tested here
    autograder.json    which rubrics to grade with, and the grader version
    wheels/            the engine wheel (``pip wheel . --no-deps``) and the dependency wheels
                       (``pip download``) that could be had for the target Python
    packs/<rubric>/    one instructor course pack per rubric (grader.packs): the expanded rubric,
                       its fixtures, full hints and the reference; the engine wheel carries none
                       of these (docs/deployment.md)
"""
from __future__ import annotations

import datetime as _dt
import email.parser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .. import __version__
from ..engine import validate_rubric_checks
from ..packs import PackError
from ..packs.build import build_pack
from ..rubric import RubricError, load_rubric

CONFIG_NAME = "autograder.json"
# What the engine wheel is built from (pyproject.toml's packages and metadata).
SOURCE_ITEMS = ("pyproject.toml", "README.md", "grader", "rubrics")
# Platforms of Gradescope's Ubuntu x86-64 images, for wheels of another Python than this one.
LINUX_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64",
                   "linux_x86_64")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (docs/deployment.md).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3}}"
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get install -y python3-pip
fi
if "$PYTHON" -m pip install --no-index --find-links wheels -r requirements.txt "wheels/{engine}"; then
    echo "setup.sh: installed from the bundled wheels"
else
    echo "setup.sh: not every wheel is bundled for this Python; installing the rest from the index"
    "$PYTHON" -m pip install --find-links wheels -r requirements.txt "wheels/{engine}"
fi
"$PYTHON" -m grader.cli --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grades /autograder/submission and writes
# /autograder/results/results.json ($AUTOGRADER_ROOT instead of /autograder when set).
PYTHON="${PYTHON:-python3}"
exec "$PYTHON" -m grader.gradescope.run
"""


class BundleError(Exception):
    """The bundle cannot be built; ``str(error)`` says why in one line."""


@dataclass(frozen=True)
class Bundle:
    """A written autograder zip: where, how big, what it pins and which wheels it holds."""

    path: Path
    size_bytes: int
    requirements: list[str]
    wheels: list[str]
    not_bundled: list[str] = field(default_factory=list)   # setup.sh takes these from the index


def project_root() -> Path:
    """The source checkout the running grader comes from (the engine wheel is built from it)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise BundleError(f"{root} is not a source checkout of the grader (no pyproject.toml): "
                          "build the bundle from a clone of the repository")
    return root


def _pip(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def build_engine_wheel(dest: Path) -> Path:
    """``pip wheel . --no-deps`` on a copy of the sources (the checkout gets no build/ folder)."""
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="engine-src-") as tmp:
        src = Path(tmp)
        for item in SOURCE_ITEMS:
            path = root / item
            if path.is_dir():
                shutil.copytree(path, src / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.is_file():
                shutil.copy2(path, src / item)
        args = ["wheel", str(src), "--no-deps", "-w", str(dest), "-q"]
        if all(importlib.util.find_spec(m) is not None for m in ("setuptools", "wheel")):
            args.append("--no-build-isolation")   # build with the setuptools already here
        done = _pip(*args)
        if done.returncode != 0:
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise BundleError(f"pip wheel could not build the engine: {tail}")
    wheels = sorted(dest.glob("numpy_dl_autograder-*.whl"))
    if not wheels:
        raise BundleError("pip wheel produced no numpy_dl_autograder wheel")
    return wheels[-1]


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """The ``Requires-Dist`` entries of a wheel (its runtime dependencies and extras)."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def pinned_requirements(requirements: list[Requirement], python_version: str | None = None) -> list[str]:
    """``name==version`` for ``requirements`` and everything they need, transitively.

    Markers are evaluated for the target Python (``python_version``, default this one) with no
    extra selected; versions are those installed here, which the test suite ran with. A
    dependency not installed here (a marker true only on the target) keeps its own specifier.
    """
    env = default_environment()
    if python_version:
        env.update(python_version=python_version, python_full_version=f"{python_version}.0")
    pins: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    # (requirement, the extra of the package that asked for it: its marker is read with it)
    todo = [(req, "") for req in requirements]
    while todo:
        req, asked_extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({**env, "extra": asked_extra}):
            continue
        key = canonicalize_name(req.name)
        wanted = [""] + sorted(req.extras)   # bleach[css] needs what its "css" extra lists too
        if all((key, extra) in seen for extra in wanted):
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            pins.setdefault(key, str(Requirement(f"{req.name}{req.specifier}")))
            continue
        pins[key] = f"{key}=={version}"
        for extra in wanted:
            if (key, extra) not in seen:
                seen.add((key, extra))
                todo += [(Requirement(r), extra) for r in metadata.requires(req.name) or []]
    return [pins[k] for k in sorted(pins)]


def download_wheels(pins: list[str], dest: Path, python_version: str | None = None) -> list[str]:
    """``pip download`` the wheels of ``pins`` into ``dest``; the pins that could not be had."""
    target = []
    if python_version:
        target = ["--python-version", python_version, "--implementation", "cp",
                  *[a for p in LINUX_PLATFORMS for a in ("--platform", p)]]
    common = ["download", "--only-binary", ":all:", "--no-deps", "-d", str(dest), "-q", *target]
    if _pip(*common, *pins).returncode == 0:
        return []
    return [pin for pin in pins if _pip(*common, pin).returncode != 0]


def _pack_entries(names: list[str], staging: Path) -> list[str]:
    """Validate every rubric and write its instructor pack into ``packs/``."""
    entries = []
    for name in names:
        try:
            rubric = load_rubric(name)
            validate_rubric_checks(rubric)
            entry = f"packs/{rubric.name}"
            if entry in entries:
                raise BundleError(f"two rubrics are named {rubric.name}")
            build_pack([name], staging / entry, public=False)
        except RubricError as exc:
            raise BundleError(f"invalid rubric: {exc}") from None
        except PackError as exc:
            raise BundleError(str(exc)) from None
        entries.append(entry)
    return entries


def _zip(staging: Path, output: Path) -> None:
    executable = {"setup.sh", "run_autograder"}
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            name = path.relative_to(staging).as_posix()
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())


def build_bundle(rubrics: list[str], output: Path, *, python_version: str | None = None,
                 with_wheels: bool = True) -> Bundle:
    """Write Gradescope's autograder zip for ``rubrics`` (names or YAML paths) to ``output``.

    ``python_version`` (``X.Y``): download dependency wheels for that Python on Linux x86-64
    instead of this interpreter. ``with_wheels=False`` bundles only the engine wheel.
    """
    if not rubrics:
        raise BundleError("name at least one rubric (see `grade rubrics`)")
    with tempfile.TemporaryDirectory(prefix="gradescope-bundle-") as tmp:
        staging = Path(tmp)
        entries = _pack_entries(list(rubrics), staging)
        wheels = staging / "wheels"
        wheels.mkdir()
        engine = build_engine_wheel(wheels)
        core = [r for r in wheel_requirements(engine) if r.marker is None or "extra" not in str(r.marker)]
        pins = pinned_requirements(core, python_version)
        not_bundled = download_wheels(pins, wheels, python_version) if with_wheels else list(pins)
        (staging / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
        config = {"packs": entries, "grader_version": __version__,
                  "built_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()}
        (staging / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        (staging / "setup.sh").write_text(SETUP_SH.format(engine=engine.name), encoding="utf-8")
        (staging / "run_autograder").write_text(RUN_AUTOGRADER, encoding="utf-8")
        _zip(staging, output)
        wheel_names = sorted(p.name for p in wheels.glob("*.whl"))
    return Bundle(path=output, size_bytes=output.stat().st_size, requirements=pins,
                  wheels=wheel_names, not_bundled=not_bundled)
