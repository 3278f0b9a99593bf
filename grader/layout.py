"""``Layout``: where a submission's canonical modules are, and under which names to import them.

Checks name student code with *canonical* dotted names: ``"layers.affine_forward"``,
``"classifiers.fc_net.FullyConnectedNet"``. A Layout maps the module part of such a name to the
name the sandbox worker imports:

* ``Layout.canonical(root)``: the submission folder ``root`` is itself the package (it holds
  ``layers.py``, ``optim.py``, ``classifiers/fc_net.py`` ...). The worker imports it as a package
  under the alias ``submission`` (``root/__init__.py`` when present, otherwise an empty package),
  so ``"classifiers.fc_net"`` is imported as ``"submission.classifiers.fc_net"`` and relative
  imports inside the package (``from .layers import *``, ``from .. import optim``) work.
* Course profiles build other Layouts, e.g. a CS231n checkout where ``root/cs231n`` is a normal
  package: ``Layout(sys_path=[root], module_prefix="cs231n.")``, with ``module_map`` entries for
  modules that live elsewhere (``{"classifiers.fc_net": "cs231n.classifiers.fc_net"}``).

A Layout is plain data: it is sent to the worker as JSON (``to_json``), and the worker applies the
same rule as ``import_name`` (it cannot import this module).

Two more fields serve course profiles (``grader.profiles``); both are empty for ``canonical``:

* ``bare_packages``: top-level package names (``["cs231n"]``) whose package folders are imported
  WITHOUT running their ``__init__.py`` (course ``__init__`` files only re-export modules; a
  Python 2 ``neural_net.py`` must not break ``import cs231n.layers`` through them).
* ``adapters``: canonical target (``"classifiers.fc_net.TwoLayerNet"``) -> a list of operations
  the worker applies to every call of that target, translating the canonical call into the
  course's API:

  - ``{"op": "kwarg", "name": "hidden_dim", "to": "hidden_dims"}``: rename a keyword;
    ``"transform": "one_minus"`` also maps its value v to 1 - v (keep <-> drop probability);
    ``"values": [["batchnorm", true], [null, false]]`` maps values by a table (a value missing
    from it raises ValueError: the course's API cannot express it).
  - ``{"op": "dict", "arg": 2, "kwarg": "config", "keys": {"m": "v", "v": "a"},
    "one_minus": ["p"], "result": 1}``: the dict argument at position ``arg`` (or keyword
    ``kwarg``) is passed as a copy with course key names / 1 - value for the listed keys; after
    the call the caller's dict mirrors what the callee did to the copy, and a dict at position
    ``result`` of the return value is translated back to canonical names.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The name under which a canonical-layout submission package is imported in the worker.
ALIAS = "submission"

#: Modules every Layout maps to themselves, so checks can reach them as call targets: the
#: worker's global RNG (``"numpy.random.seed"``), which course code draws from.
TRUSTED_MODULES = {"numpy.random": "numpy.random"}


@dataclass
class Layout:
    """How a submission's modules are imported.

    sys_path:      folders prepended to ``sys.path`` in the worker (absolute paths).
    package_alias: name of a package created from ``package_dir`` (``None``: no alias package).
    package_dir:   folder of the alias package (absolute path).
    module_prefix: the default rule: import name = ``module_prefix + canonical``.
    module_map:    exceptions to the default rule: canonical module -> import name.
    adapters:      canonical target -> call translations (see the module docstring).
    bare_packages: packages imported without running their ``__init__.py``.
    numpy_aliases: removed numpy names restored before student code runs (name -> meaning,
                   ``grader.profiles.scan.NUMPY_MEANING``) for course years whose numpy had them.
    """

    sys_path: list[str] = field(default_factory=list)
    package_alias: str | None = None
    package_dir: str | None = None
    module_prefix: str = ""
    module_map: dict[str, str] = field(default_factory=dict)
    adapters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bare_packages: list[str] = field(default_factory=list)
    numpy_aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def canonical(cls, root: str | os.PathLike) -> "Layout":
        """The submission folder ``root`` is the package, imported as ``submission``."""
        root = str(Path(root).resolve())
        return cls(package_alias=ALIAS, package_dir=root, module_prefix=ALIAS + ".")

    def import_name(self, canonical: str) -> str:
        """The module name to import for canonical module name ``canonical`` (e.g. ``"layers"``)."""
        if canonical in TRUSTED_MODULES:
            return TRUSTED_MODULES[canonical]
        return self.module_map.get(canonical, self.module_prefix + canonical)

    def source_dirs(self) -> list[str]:
        """Folders holding the student's files (tracebacks are trimmed to frames inside them)."""
        dirs = [self.package_dir] if self.package_dir else []
        return dirs + [d for d in self.sys_path if d not in dirs]

    def to_json(self) -> dict[str, Any]:
        return {"sys_path": list(self.sys_path), "package_alias": self.package_alias,
                "package_dir": self.package_dir, "module_prefix": self.module_prefix,
                "module_map": {**self.module_map, **TRUSTED_MODULES},
                "adapters": {k: list(v) for k, v in self.adapters.items()},
                "bare_packages": list(self.bare_packages), "numpy_aliases": dict(self.numpy_aliases)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Layout":
        return cls(sys_path=list(data.get("sys_path", [])), package_alias=data.get("package_alias"),
                   package_dir=data.get("package_dir"), module_prefix=data.get("module_prefix", ""),
                   module_map=dict(data.get("module_map", {})),
                   adapters={k: list(v) for k, v in data.get("adapters", {}).items()},
                   bare_packages=list(data.get("bare_packages", [])),
                   numpy_aliases=dict(data.get("numpy_aliases", {})))
