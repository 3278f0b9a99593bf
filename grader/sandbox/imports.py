"""Import machinery of the worker: what student code may import, and how a canonical target
name (``"layers.affine_forward"``) becomes an object of the submission.

``Blocker`` (first in ``sys.meta_path``) refuses the grader's own packages and the worker's own
modules; ``BarePackages`` imports course packages without their ``__init__.py``; ``Importer``
resolves targets through the ``Layout`` (the same rule as ``grader.layout.Layout.import_name``),
remembers failed imports and wraps targets in their course adapters.
"""
from __future__ import annotations

import os
import sys

from .adapters import adapt
from .failures import Describer, Fail


class Blocker:
    """First in ``sys.meta_path``: the grader's own packages cannot be imported."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ImportError("the grader's own packages are not importable from a submission",
                              name=fullname)
        return None


class BarePackages:
    """In ``sys.meta_path`` after ``Blocker`` (course profiles): a package folder of the
    submission whose top-level name is in ``layout["bare_packages"]`` is imported WITHOUT running
    its ``__init__.py``. Course ``__init__`` files only re-export their modules; running them
    would let one broken module (Python 2 syntax, a TabError) break every import of the package.
    """

    def __init__(self, names, roots):
        self.names, self.roots = frozenset(names), list(roots)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in self.names:
            return None
        import importlib.machinery
        for base in (self.roots if path is None else list(path)):
            folder = os.path.join(base, fullname.rpartition(".")[2])
            if os.path.isdir(folder) and not os.path.isfile(folder + ".py"):
                spec = importlib.machinery.ModuleSpec(fullname, self, is_package=True)
                spec.submodule_search_locations = [folder]
                return spec
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        pass


def restore_numpy_names(aliases: dict) -> None:
    """Give numpy back the removed names a course year's code uses (``Layout.numpy_aliases``):
    ``builtins.X`` and ``numpy.X`` meanings, ``-numpy.inf`` and ``numpy.asfarray``."""
    import builtins

    import numpy

    def asfarray(a, dtype=numpy.float64):
        dtype = numpy.dtype(dtype)
        return numpy.asarray(a, dtype=dtype if numpy.issubdtype(dtype, numpy.inexact) else numpy.float64)

    for name, meaning in aliases.items():
        if hasattr(numpy, name) or not isinstance(meaning, str):
            continue
        owner, _, attr = meaning.lstrip("-").partition(".")
        if meaning == "numpy.asfarray":
            value = asfarray
        elif owner in ("builtins", "numpy") and hasattr(builtins if owner == "builtins" else numpy, attr):
            value = getattr(builtins if owner == "builtins" else numpy, attr)
            value = -value if meaning.startswith("-") else value
        else:
            continue
        setattr(numpy, name, value)


class Importer:
    """Resolves canonical target names in the submission described by ``layout``.

    ``failed`` holds the import errors already seen (a module that failed to import fails the
    same way without re-running it); ``note(event, module)`` tells the client an import starts
    or ends.
    """

    def __init__(self, layout: dict, describer: Describer, note):
        self.layout = layout
        self.describer = describer
        self.note = note
        self.failed: dict[str, dict] = {}
        self.aliases_restored = False

    def _import_name(self, canon: str) -> str:
        """Same rule as ``grader.layout.Layout.import_name``."""
        default = self.layout.get("module_prefix", "") + canon
        return self.layout.get("module_map", {}).get(canon, default)

    def _locate(self, import_name: str) -> bool:
        """Is there a file or folder for this module in the submission? (no code runs)"""
        alias = self.layout.get("package_alias")
        parts = import_name.split(".")
        if alias and parts[0] == alias:
            bases, parts = [self.layout.get("package_dir")], parts[1:]
        else:
            bases = self.layout.get("sys_path", [])
        for base in bases:
            p = os.path.join(base, *parts)
            if os.path.isdir(p) or os.path.isfile(p + ".py"):
                return True
        return False

    def _ensure_package(self) -> None:
        import importlib.machinery
        import importlib.util
        alias = self.layout.get("package_alias")
        if not alias or alias in sys.modules:
            return
        if alias in self.failed:
            raise Fail(**self._unwire(self.failed[alias]))
        pkg_dir = self.layout["package_dir"]
        init = os.path.join(pkg_dir, "__init__.py")
        if os.path.isfile(init):
            spec = importlib.util.spec_from_file_location(alias, init,
                                                          submodule_search_locations=[pkg_dir])
        else:
            spec = importlib.machinery.ModuleSpec(alias, None, is_package=True)
            spec.submodule_search_locations = [pkg_dir]
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        if spec.loader is None:
            return
        self.note("importing", "")
        try:
            spec.loader.exec_module(module)
        except BaseException as e:
            sys.modules.pop(alias, None)
            f = self.describer.import_failure(e, "")
            self.failed[alias] = f.wire
            raise f from None
        finally:
            self.note("imported", "")

    @staticmethod
    def _unwire(wire: dict) -> dict:
        return {"kind": wire["kind"], "message": wire["message"], "type_": wire["type"],
                "traceback": wire["traceback"]}

    def _import(self, canon: str, import_name: str):
        import importlib
        if import_name in self.failed:
            raise Fail(**self._unwire(self.failed[import_name]))
        self.note("importing", canon)
        try:
            return importlib.import_module(import_name)
        except BaseException as e:
            f = self.describer.import_failure(e, canon)
            self.failed[import_name] = f.wire
            raise f from None
        finally:
            self.note("imported", canon)

    def resolve(self, name: str):
        """The object named by a canonical dotted name: the longest module prefix that exists in
        the submission, then attributes."""
        parts = name.split(".") if isinstance(name, str) else []
        if len(parts) < 2 or not all(p.isidentifier() for p in parts):
            raise Fail("bad_request", f"{name!r} is not a 'module.attribute' name")
        if not self.aliases_restored:
            self.aliases_restored = True
            restore_numpy_names(self.layout.get("numpy_aliases") or {})
        self._ensure_package()
        for i in range(len(parts) - 1, 0, -1):
            canon = ".".join(parts[:i])
            import_name = self._import_name(canon)
            module = sys.modules.get(import_name)
            if module is None:
                if import_name not in self.failed and not self._locate(import_name):
                    continue
                module = self._import(canon, import_name)
            obj, owner = module, canon
            for j, attr in enumerate(parts[i:]):
                try:
                    obj = getattr(obj, attr)
                except AttributeError:
                    if j == 0 and hasattr(module, "__path__"):
                        raise Fail("import_error", f"module {canon}.{attr} not found in the "
                                    "submission") from None
                    raise Fail("import_error", f"{owner} has no attribute {attr!r}") from None
                except BaseException as e:
                    raise self.describer.student_failure(e, name) from None
                owner = f"{owner}.{attr}"
            ops = self.layout.get("adapters", {}).get(name)
            return adapt(obj, ops) if ops else obj
        raise Fail("import_error", f"module {'.'.join(parts[:-1])} not found in the submission")
