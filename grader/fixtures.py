"""Expected outputs, produced only by running the reference.

For a rubric ``NAME`` the fixtures live beside the rubric file, in ``rubrics/NAME/``:

* ``expected.npz`` holds one array per key ``"<builder>/<key>"``, written deterministically
  (sorted members, fixed zip timestamps), so regenerating twice gives byte-identical files;
* ``manifest.json`` records the reference's content hash, the builders, and a sha256 per array.

``grade fixtures regenerate NAME`` rewrites both; ``grade fixtures check NAME`` fails when they are
stale (the reference changed, a builder changed, or someone edited the file by hand).
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import load_catalogue
from .checks.base import FIXTURE_BUILDERS, REGISTRY

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def reference_dir() -> Path:
    import reference

    return Path(reference.__file__).resolve().parent


def import_reference():
    """The trusted ``reference`` package with every submodule imported (for ``ref.layers`` ...)."""
    import importlib
    import pkgutil

    import reference

    for module in pkgutil.walk_packages(reference.__path__, prefix="reference."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return reference


def reference_hash() -> str:
    """sha256 over every ``reference/**/*.py`` file (path and bytes), in sorted order."""
    root = reference_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def fixture_dir(rubric) -> Path:
    """``rubrics/<name>/`` next to the rubric file."""
    return Path(rubric.path).parent / rubric.name


def builders_for(rubric) -> list[str]:
    """The fixture builders the rubric's checks need, sorted."""
    load_catalogue()
    names = set()
    for section in rubric.sections:
        for rc in section.checks:
            spec = REGISTRY.get(rc.id)
            if spec is not None and spec.fixture:
                names.add(spec.fixture)
            names.update((rc.params or {}).get("fixtures", []))
    return sorted(names)


def build_arrays(names: list[str]) -> dict[str, np.ndarray]:
    """Run each builder on the reference (global RNG reset to seed 0 first)."""
    reference = import_reference()
    load_catalogue()
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        if name not in FIXTURE_BUILDERS:
            raise KeyError(f"no fixture builder named {name!r}")
        np.random.seed(0)
        produced = FIXTURE_BUILDERS[name](reference)
        for key, value in produced.items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"fixture {name}/{key} has dtype {arr.dtype}; numbers only")
            arrays[f"{name}/{key}"] = arr
    return arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic ``.npz`` (members sorted, fixed timestamps, no pickles)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[key], order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def manifest_for(names: list[str], arrays: dict[str, np.ndarray]) -> dict:
    return {
        "reference_sha256": reference_hash(),
        "builders": names,
        "arrays": {key: hashlib.sha256(np.asarray(arrays[key], order="C").tobytes()).hexdigest()
                   for key in sorted(arrays)},
    }


def regenerate(rubric) -> Path:
    """Rewrite ``rubrics/<name>/expected.npz`` and ``manifest.json``; return the folder."""
    names = builders_for(rubric)
    arrays = build_arrays(names)
    folder = fixture_dir(rubric)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "expected.npz").write_bytes(npz_bytes(arrays))
    manifest = manifest_for(names, arrays)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder


@dataclass
class Staleness:
    problems: list[str]

    @property
    def fresh(self) -> bool:
        return not self.problems


def check(rubric) -> Staleness:
    """Compare the stored fixtures with a fresh run of the reference."""
    folder = fixture_dir(rubric)
    npz_path, manifest_path = folder / "expected.npz", folder / "manifest.json"
    if not npz_path.exists() or not manifest_path.exists():
        return Staleness([f"{folder.name}: no fixtures yet; run `grade fixtures regenerate {rubric.name}`"])
    problems = []
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("reference_sha256") != reference_hash():
        problems.append("the reference changed since the fixtures were generated")
    names = builders_for(rubric)
    if manifest.get("builders") != names:
        problems.append(f"the rubric needs fixture builders {names}, the manifest lists {manifest.get('builders')}")
    fresh = npz_bytes(build_arrays(names))
    if fresh != npz_path.read_bytes():
        problems.append("expected.npz differs from a fresh run of the reference")
    return Staleness(problems)


def group(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"builder/key": a}`` -> ``{builder: {key: a}}``."""
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for full_key, value in arrays.items():
        builder, _, key = full_key.partition("/")
        grouped.setdefault(builder, {})[key] = value
    return grouped


def load(rubric) -> dict[str, dict[str, np.ndarray]]:
    """Read the rubric's fixtures as ``{builder: {key: array}}`` (empty when there are none)."""
    npz_path = fixture_dir(rubric) / "expected.npz"
    if not npz_path.exists():
        return {}
    with np.load(npz_path, allow_pickle=False) as data:
        return group({key: data[key] for key in data.files})
