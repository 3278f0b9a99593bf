"""The sandbox worker: the only process that runs student code.

Started by ``grader.sandbox.client.Worker`` as a stand-alone script::

    python -S -s -P -B worker.py <fd_in> <fd_out> <config.json>

This file is the entry point and the request loop (``Server``); its siblings do one job each:
``confinement.py`` (namespaces, files, limits, privileges), ``imports.py`` (what student code may
import, resolving targets), ``adapters.py`` (course call adapters), ``failures.py`` (describing
student failures), ``watch.py`` (which argument arrays a call changed) and ``protocol.py`` (the
wire format).

It imports nothing from ``grader``: ``_load`` imports the siblings from this file's folder under
the private package name ``PACKAGE`` (never on ``sys.path``), then removes them from
``sys.modules``; the import blocker refuses that name, so student code can neither import the
worker's modules nor put a module of its own in their place. Before any student code is imported
the worker confines itself (``confinement``), records what it managed in ``capabilities`` (sent
to the client in its first message), moves into the scratch folder, puts the import blocker
first in ``sys.meta_path`` and writes no bytecode into the submission.

Then it serves requests (see ``Server``). Student output goes to fds 1 and 2, which the client
captures; the protocol uses its own pipes, so prints cannot corrupt it.
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
#: The name the worker's own modules are imported under; blocked for student code.
PACKAGE = "_grader_sandbox_worker"
#: Where a profiled worker leaves its cProfile stats (in its scratch folder).
PROFILE_FILE = "worker.prof"


def _load(*names: str) -> list:
    """Import sibling modules of this file as ``PACKAGE.<name>`` and forget the names again."""
    import importlib
    import importlib.machinery
    import importlib.util
    spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [HERE]
    sys.modules.setdefault(PACKAGE, importlib.util.module_from_spec(spec))
    try:
        return [importlib.import_module(f"{PACKAGE}.{name}") for name in names]
    finally:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


# Standard library only, so loaded before the namespaces are entered; ``protocol`` needs numpy,
# which is loaded after (unshare(CLONE_NEWUSER) needs a single-threaded process).
confinement, data_files, failures, imports = _load("confinement", "data_files", "failures",
                                                   "imports")
Fail = failures.Fail


class Held:
    """A value the client asked to keep in the worker (sent as a Ref)."""

    __slots__ = ("id", "type")

    def __init__(self, ref_id: int, type_: str):
        self.id, self.type = ref_id, type_



class Server:
    """Answers requests one at a time: call, map, new, getattr, setattr, sweep, release, ping,
    shutdown.

    ``refs`` holds the objects the client keeps handles on (``Ref``); ``importer.failed`` the
    import errors already seen (a module that failed to import fails the same way without
    re-running it).
    """

    def __init__(self, proto, cfg: dict, layout: dict, fd_in: int, fd_out: int, watch=None):
        self.proto = proto
        self.watch = watch   # the ``watch`` module, for ``watch_args``
        self.layout = layout
        self.fd_in, self.fd_out = fd_in, fd_out
        self.max_bytes = int(cfg["limits"]["message_bytes"])
        self.spin = float(cfg["limits"].get("spin_seconds", 0.0))
        self.describer = failures.Describer(
            [layout.get("package_dir")] + list(layout.get("sys_path", [])),
            cfg["limits"].get("address_space"))
        self.importer = imports.Importer(layout, self.describer, self._note)
        self.open_file = data_files.Opener(cfg.get("data_dirs", []), proto.ProtocolError)
        self.refs: dict[int, object] = {}
        self.ref_of_obj: dict[int, int] = {}
        self.next_ref = 1
        self.pid = os.getpid()
        self.request_id: int | None = None   # echoed in every frame answering the request

    def forked(self) -> None:
        """Run in the child of every ``os.fork()`` (``os.register_at_fork``): a copy of the
        worker made by student code must never read or answer requests."""
        for fd in (self.fd_in, self.fd_out):
            try:
                os.close(fd)
            except OSError:
                pass

    def _exit_if_forked(self) -> None:
        if os.getpid() != self.pid:   # student code forked and its child came back here
            os._exit(0)

    # -- the loop ------------------------------------------------------------------------------
    def serve(self) -> None:
        proto = self.proto
        while True:
            self._exit_if_forked()
            try:
                payload, header_len = proto.read_frame(self.fd_in, max_bytes=self.max_bytes,
                                                       spin=self.spin)
            except EOFError:
                return
            op = None
            self.request_id = None
            try:
                msg = proto.decode(payload, header_len, max_bytes=self.max_bytes,
                                   make_ref=self._deref, who="sent",
                                   open_file=self.open_file)
                rid = msg.get("id") if isinstance(msg, dict) else None
                self.request_id = rid if type(rid) is int else None
                op = msg.get("op") if isinstance(msg, dict) else None
                handler = getattr(self, "op_" + str(op), None)
                if handler is None:
                    raise Fail("bad_request", f"unknown request {op!r}")
                chunks = handler(msg)
            except Fail as f:
                chunks = self._frame({"ok": False, "error": f.wire})
            except proto.ProtocolError as e:
                chunks = self._frame({"ok": False, "error": Fail("bad_request", str(e)).wire})
            except BaseException as e:   # a malformed request, or student code run by the encoder
                chunks = self._frame({"ok": False, "error": Fail(
                    "bad_request", f"the request failed in the worker ({type(e).__name__}: "
                    f"{failures.safe_str(e)})").wire})
            self._flush_output()
            self._exit_if_forked()
            proto.write_frame(self.fd_out, chunks)
            if op == "shutdown":
                return

    def _frame(self, message: dict) -> list:
        return self.proto.Encoder(self.max_bytes).frame({**message, "id": self.request_id})

    def _reply(self, value, desc: str, label: str = "the result") -> list:
        """The frame of a successful reply; a ``bad_output`` failure if ``value`` cannot cross."""
        enc = self.proto.Encoder(self.max_bytes, ref_of=self._ref_of, results=True)
        try:
            tree = enc.value(value, label)
            return enc.frame({"ok": True, "result": self.proto.Encoded(tree),
                              "id": self.request_id})
        except self.proto.NotPlainData as e:
            raise Fail("bad_output", f"{desc}: {e}") from None
        except BaseException as e:   # student code run while inspecting the value
            raise Fail("bad_output", f"{desc}: the result cannot be sent back "
                        f"({failures.type_name(e)}: {failures.safe_str(e)})") from None

    def _note(self, event: str, module: str) -> None:
        """Tell the client an import starts or ends (a hang or crash in between is blamed on
        the module, so later requests that need it fail at once)."""
        self._flush_output()
        self._exit_if_forked()
        self.proto.write_frame(self.fd_out, self._frame({"note": event, "module": module}))

    @staticmethod
    def _flush_output() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass

    # -- handles -------------------------------------------------------------------------------
    def _deref(self, ref_id: int, type_: str):
        if ref_id not in self.refs:
            raise Fail("stale_ref", f"the {type_ or 'object'} handle {ref_id} does not exist in "
                        "this worker")
        return self.refs[ref_id]

    def _hold(self, obj) -> Held:
        ref_id = self.next_ref
        self.next_ref += 1
        self.refs[ref_id] = obj
        self.ref_of_obj[id(obj)] = ref_id
        return Held(ref_id, type(obj).__name__)

    def _ref_of(self, obj):
        if type(obj) is Held:
            return obj.id, obj.type
        ref_id = self.ref_of_obj.get(id(obj))
        if ref_id is not None and self.refs.get(ref_id) is obj:
            return ref_id, type(obj).__name__
        return None


    def _target(self, target: dict):
        """(callable or class, description) for a target: {"name"} or {"obj", "attr", "type"}."""
        if not isinstance(target, dict):
            raise Fail("bad_request", "malformed target")
        if "name" in target:
            return self.importer.resolve(target["name"]), target["name"]
        desc = target.get("type") or "object"
        if target.get("attr"):
            desc += f".{target['attr']}"
        obj = target.get("obj")
        if target.get("attr"):
            obj = self._guarded(desc, self._walk, obj, target["attr"])
        return obj, desc

    @staticmethod
    def _walk(obj, path: str):
        """Follow a dotted path: dict keys, list/tuple indices, else attributes."""
        for part in path.split("."):
            if isinstance(obj, dict) and part in obj:
                obj = obj[part]
            elif isinstance(obj, (list, tuple)) and part.isdigit():
                obj = obj[int(part)]
            else:
                obj = getattr(obj, part)
        return obj

    def _guarded(self, desc: str, fn, *args, **kwargs):
        """Run student code; any exception (SystemExit, KeyboardInterrupt too) becomes a Fail."""
        try:
            return fn(*args, **kwargs)
        except Fail:
            raise
        except BaseException as e:
            raise self.describer.student_failure(e, desc) from None

    def _shape(self, result, msg: dict, desc: str):
        """Apply ``keep`` (positions held in the worker) and ``select`` (one position)."""
        keep, select = msg.get("keep"), msg.get("select")
        if keep is True or keep == [-1]:
            result = self._hold(result)
        elif keep:
            items = self._positions(result, max(keep), desc)
            for i in keep:
                items[i] = self._hold(items[i])
            result = tuple(items) if isinstance(result, tuple) else items
        if select is not None:
            result = self._positions(result, select, desc)[select]
        return result

    @staticmethod
    def _positions(result, index: int, desc: str) -> list:
        if type(result) is Held or not isinstance(result, (tuple, list)):
            raise Fail("bad_output", f"{desc} returned {type(result).__name__}, expected a "
                        f"tuple of at least {index + 1} values")
        # The data, not the methods: a tuple subclass may make __iter__/__getitem__ lie.
        items = list(tuple.__iter__(result) if isinstance(result, tuple)
                     else list.__iter__(result))
        if not 0 <= index < len(items):
            raise Fail("bad_output", f"{desc} returned {len(items)} values, expected at least "
                        f"{index + 1}")
        return items

    # -- operations ----------------------------------------------------------------------------
    def op_ping(self, msg):
        return self._reply("pong", "ping")

    def op_shutdown(self, msg):
        return self._reply(None, "shutdown")

    def op_call(self, msg):
        fn, desc = self._target(msg.get("target"))
        args, kwargs = msg.get("args", ()), msg.get("kwargs", {})
        watched = (self._guarded(desc, self.watch.snapshot, args, kwargs)
                   if msg.get("watch_args") else None)
        result = self._shape(self._guarded(desc, fn, *args, **kwargs), msg, desc)
        if watched is not None:   # only the paths of the changed arrays go back
            return self._reply((result, self._guarded(desc, self.watch.changed, watched)), desc)
        if msg.get("return_args"):
            return self._reply((result, {"args": args, "kwargs": kwargs}), desc)
        return self._reply(result, desc)

    def op_map(self, msg):
        fn, desc = self._target(msg.get("target"))
        kwargs, arglists = msg.get("kwargs", {}), msg.get("arglists")
        if not (isinstance(arglists, list)
                and all(isinstance(a, (list, tuple)) for a in arglists)):
            raise Fail("bad_request", "map needs a list of argument tuples")
        results = []
        for i, args in enumerate(arglists):
            try:
                results.append(self._shape(self._guarded(desc, fn, *args, **kwargs), msg, desc))
            except Fail as f:
                f.wire["message"] = f"call {i + 1} of {len(arglists)}: {f.wire['message']}"
                raise
        return self._reply(results, desc)

    def _perturbations(self, spec) -> list:
        """The centred perturbations ``x + h e_i`` then ``x - h e_i`` of ``spec["x"]`` (a float64
        array) for each flat index ``i`` of ``spec["coords"]``, each a new array: what a numeric
        gradient calls the student's function on (the grader does the differences)."""
        np = self.proto.np
        x, coords, h = (spec.get(k) for k in ("x", "coords", "h")) if isinstance(spec, dict) else (None,) * 3
        if not (type(x) is np.ndarray and x.dtype == np.float64 and type(h) is float
                and type(coords) is np.ndarray and coords.dtype.kind == "i" and coords.ndim == 1
                and (coords.size == 0 or 0 <= int(coords.min()) <= int(coords.max()) < x.size)):
            raise Fail("bad_request", "a perturbation needs x (float64), h (float) and flat "
                       "indices of x")
        out = []
        for index in coords.tolist():
            for sign in (1.0, -1.0):
                shifted = x.copy()
                shifted.flat[index] += sign * h
                out.append(shifted)
        return out

    def _fresh(self, value):
        """A copy of the arrays in a sent argument (plain tuples, lists and dicts rebuilt), as a
        separately sent argument would be; anything else (numbers, held objects, read-only data
        files) is passed as it is."""
        t = type(value)
        if t is self.proto.np.ndarray:
            return value.copy()
        if t is tuple or t is list:
            return t(self._fresh(v) for v in value)
        if t is dict:
            return {k: self._fresh(v) for k, v in value.items()}
        return value

    def op_perturb(self, msg):
        """``target(*args, **kwargs)`` with ``args[wrt]`` replaced by each perturbation of
        ``msg["perturb"]`` (see ``_perturbations``), the other arguments copied afresh for each
        call (as separately sent arguments would be): one round trip for a numeric gradient.
        Results that are all plain arrays of one shape and dtype come back stacked into one
        array (``{"stacked": array}``), otherwise as a list (``{"list": [...]}``)."""
        np = self.proto.np
        fn, desc = self._target(msg.get("target"))
        args, kwargs, wrt = msg.get("args"), msg.get("kwargs", {}), msg.get("wrt")
        if not (isinstance(args, tuple) and type(wrt) is int and 0 <= wrt < len(args)):
            raise Fail("bad_request", "perturb needs the arguments and the position to perturb")
        shifted = self._perturbations(msg.get("perturb"))
        results = []
        for i, value in enumerate(shifted):
            call_args = [value if k == wrt else self._fresh(a) for k, a in enumerate(args)]
            try:
                results.append(self._shape(self._guarded(desc, fn, *call_args, **kwargs), msg, desc))
            except Fail as f:
                f.wire["message"] = f"call {i + 1} of {len(shifted)}: {f.wire['message']}"
                raise
        first = results[0] if results else None
        if (type(first) is np.ndarray and first.ndim >= 1 and first.dtype.kind in "biuf"
                and all(type(r) is np.ndarray and r.shape == first.shape and r.dtype == first.dtype
                        for r in results)):
            return self._reply({"stacked": np.stack(results)}, desc)
        return self._reply({"list": results}, desc)

    def op_new(self, msg):
        cls, desc = self._target(msg.get("target"))
        obj = self._guarded(desc, cls, *msg.get("args", ()), **msg.get("kwargs", {}))
        return self._reply(self._hold(obj), desc)

    def op_getattr(self, msg):
        desc = f"{msg.get('type') or 'object'}.{msg.get('path')}"
        value = self._guarded(desc, self._walk, msg.get("obj"), str(msg.get("path")))
        return self._reply(self._hold(value) if msg.get("keep") else value, desc)

    def _assign(self, obj, path: str, value) -> None:
        """Set the attribute, dict key or list item at the dotted ``path`` of ``obj``."""
        head, _, last = path.rpartition(".")
        parent = self._walk(obj, head) if head else obj
        if isinstance(parent, dict):
            parent[last] = value
        elif isinstance(parent, list) and last.isdigit():
            parent[int(last)] = value
        else:
            setattr(parent, last, value)

    def op_setattr(self, msg):
        path = str(msg.get("path"))
        desc = f"{msg.get('type') or 'object'}.{path}"
        self._guarded(desc, self._assign, msg.get("obj"), path, msg.get("value"))
        return self._reply(None, desc)

    def op_sweep(self, msg):
        """For each of ``values`` (or of the perturbations of ``perturb``, see
        ``_perturbations``): set ``path`` of ``obj`` to it, then call the target (one round trip
        for a numeric gradient over a model's parameters); ``restore`` is set at the end, after a
        failure too."""
        path = str(msg.get("path"))
        set_desc = f"{msg.get('type') or 'object'}.{path}"
        fn, desc = self._target(msg.get("target"))
        values, args, kwargs = msg.get("values"), msg.get("args", ()), msg.get("kwargs", {})
        if "perturb" in msg:   # the values are the perturbations of one array
            values = self._perturbations(msg["perturb"])
        if not isinstance(values, list):
            raise Fail("bad_request", "sweep needs a list of values")
        results = []
        try:
            for i, value in enumerate(values):
                try:
                    self._guarded(set_desc, self._assign, msg.get("obj"), path, value)
                    results.append(self._shape(self._guarded(desc, fn, *args, **kwargs), msg,
                                               desc))
                except Fail as f:
                    f.wire["message"] = f"call {i + 1} of {len(values)}: {f.wire['message']}"
                    raise
        finally:
            if "restore" in msg:
                self._guarded(set_desc, self._assign, msg.get("obj"), path, msg["restore"])
        return self._reply(results, desc)

    def op_descend(self, msg):
        """Gradient descent with the target as the update rule, in one round trip: ``steps``
        calls ``next_w, config = target(w, dw, config)`` on the least-squares loss
        ``0.5 * mean((A w - b)**2)`` (``dw = A.T (A w - b) / len(b)``), each call given copies
        and the returned ``next_w`` and ``config`` fed back. It stops early at a result it cannot
        feed back (not a pair, ``next_w`` not a finite float array of ``w``'s shape, ``config``
        not a dict; the client goes on call by call to say why) or at a failure.

        Reply: ``{"ws": [w after each step], "config": the config the next step gets, "error":
        None or the failure's wire form}``."""
        np = self.proto.np
        fn, desc = self._target(msg.get("target"))
        A, b, w, config = msg.get("A"), msg.get("b"), msg.get("w"), msg.get("config")
        steps = msg.get("steps")
        if not (isinstance(A, np.ndarray) and isinstance(b, np.ndarray) and isinstance(w, np.ndarray)
                and isinstance(config, dict) and type(steps) is int
                and A.ndim == 2 and b.shape == (A.shape[0],) and w.shape == (A.shape[1],)):
            raise Fail("bad_request", "descend needs A (n, d), b (n,), w (d,), a config dict "
                       "and a number of steps")
        ws, error = [], None
        for _ in range(steps):
            dw = A.T @ (A @ w - b) / len(b)
            fed = {k: (v.copy() if type(v) is np.ndarray else v) for k, v in config.items()}
            try:
                out = self._guarded(desc, fn, w.copy(), dw, fed)
                next_w, config_out = self._guarded(desc, self._feedable, out, w.shape)
            except Fail as f:
                error = f.wire
                break
            if next_w is None:
                break
            w, config = next_w, config_out
            ws.append(w)
        return self._reply({"ws": ws, "config": config, "error": error}, desc)

    def _feedable(self, out, shape):
        """``(next_w as a new float64 array, config)`` when ``out`` can be fed back, else
        ``(None, None)``."""
        np = self.proto.np
        if not (type(out) in (tuple, list) and len(out) == 2 and type(out[1]) is dict
                and type(out[0]) is np.ndarray and out[0].dtype.kind in "biuf"
                and out[0].shape == shape):
            return None, None
        next_w = np.array(out[0], dtype=np.float64)
        if not np.all(np.isfinite(next_w)):
            return None, None
        return next_w, out[1]

    def op_release(self, msg):
        for ref_id in msg.get("ids", []):
            obj = self.refs.pop(ref_id, None)
            if obj is not None and self.ref_of_obj.get(id(obj)) == ref_id:
                del self.ref_of_obj[id(obj)]
        return self._reply(None, "release")

# ---------------------------------------------------------------------------------------------
def main(argv: list[str]) -> None:
    fd_in, fd_out, cfg_path = int(argv[1]), int(argv[2]), argv[3]
    with open(cfg_path) as f:
        cfg = json.load(f)
    while HERE in sys.path:   # -P keeps it out on 3.11+; be sure on older versions
        sys.path.remove(HERE)
    # Started with -S (no .pth file runs here): the installation's packages, then exit()/quit().
    sys.path.extend(p for p in cfg.get("site_packages", []) if p not in sys.path)
    import site
    if hasattr(site, "setquit"):
        site.setquit()
    caps: dict = {}
    try:
        libc = confinement.Libc()
    except OSError:
        libc = None
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    pid_ns, mount_ns = confinement.enter_namespaces(cfg, libc, caps)

    # The rest of the worker (and numpy) are loaded now, before the grader's folders may be hidden.
    proto, watch = _load("protocol", "watch")
    import numpy  # noqa: F401  (loaded once, as every submission needs it)
    import numpy.random  # noqa: F401  (a trusted call target: checks seed the worker's RNG)

    if pid_ns:
        confinement.become_namespace_init(libc, (fd_in, fd_out), cfg["limits"].get("cpu_seconds"))
    layout = confinement.confine(cfg, libc, caps, mount_ns, pid_ns)

    os.chdir(cfg["scratch"])
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["HOME"] = cfg["scratch"]
    sys.dont_write_bytecode = True
    sys.argv = ["submission"]
    for fd in (fd_in, fd_out):
        os.set_inheritable(fd, False)
    os.set_blocking(fd_in, False)   # read_frame spins briefly, then polls (Limits.spin_seconds)
    blocked = list(cfg.get("blocked_imports", []))
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked:
            del sys.modules[name]
    sys.meta_path.insert(0, imports.Blocker(blocked + [PACKAGE]))
    if layout.get("bare_packages"):
        sys.meta_path.insert(1, imports.BarePackages(layout["bare_packages"],
                                                     layout.get("sys_path", [])))
    for d in reversed(layout.get("sys_path", [])):
        sys.path.insert(0, d)
    confinement.cap(caps, "blocked_imports", True, ", ".join(blocked))

    server = Server(proto, cfg, layout, fd_in, fd_out, watch)
    os.register_at_fork(after_in_child=server.forked)
    proto.write_frame(fd_out, server._frame({"hello": True, "capabilities": caps}))
    if cfg.get("profile"):   # benchmarks only (client.PROFILE_ENV): cProfile of the serving loop
        import cProfile
        profiler = cProfile.Profile()
        profiler.runcall(server.serve)
        profiler.dump_stats(os.path.join(cfg["scratch"], PROFILE_FILE))
    else:
        server.serve()
    Server._flush_output()
    os._exit(0)


if __name__ == "__main__":
    import faulthandler
    faulthandler.enable()
    main(sys.argv)
