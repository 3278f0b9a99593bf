"""``grade class --dask``: each submission is one task carrying its bytes; a dask worker killed
mid-run costs only a retry, and the gradebook equals the local pool's byte for byte."""
from __future__ import annotations

import os
import signal
import zipfile

import pytest

from grader.classroom import ClassOptions, grade_class
from grader.classroom.dask import pack
from tests.support import REFERENCE, TEMPLATE, make_submission

from .helpers import BUGGY, copy, mutant, small_rubric

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
OUTPUTS = ("gradebook.csv", "checks.csv", "summary.json")


def test_pack_zips_a_folder_deterministically(tmp_path):
    sub = copy(REFERENCE, tmp_path / "alice")
    name, first = pack(sub)
    os.utime(sub / "layers.py", (1_000_000, 1_000_000))
    assert name == "alice.zip" and pack(sub)[1] == first
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("x", "y")
    assert pack(tmp_path / "a.zip") == ("a.zip", (tmp_path / "a.zip").read_bytes())


class _KillOnFirstResult:
    """A progress sink that SIGKILLs a dask worker process busy with a submission when the
    first result arrives."""

    def __init__(self, client, pids):
        self.client, self.pids, self.killed, self.lost = client, pids, False, set()

    def start(self, total, cached):
        pass

    def started_one(self, student):
        pass

    def finished_one(self, *args):
        if self.killed:
            return
        busy = [(addr, keys) for addr, keys in self.client.processing().items() if keys]
        if busy:
            self.killed = True
            addr, keys = busy[0]
            self.lost = {str(key).split("-")[1] for key in keys}   # grade-<student>-<key>-<n>
            os.kill(self.pids[addr], signal.SIGKILL)

    def stop(self):
        pass


def test_a_class_on_a_local_cluster_survives_a_killed_worker(tmp_path):
    rubric = small_rubric(tmp_path / "rubric")
    root = tmp_path / "class"
    root.mkdir()
    copy(REFERENCE, root / "alice")
    copy(TEMPLATE, root / "bob")
    copy(BUGGY, root / "carol")
    make_submission(root, mutant("relu_backward_ge_mask").patches, name="erin")
    make_submission(root, mutant("softmax_dx_not_divided_by_n").patches, name="gina")
    options = {"rubric": str(rubric), "call_timeout": 1.0}
    local = grade_class(root, tmp_path / "local", ClassOptions(jobs=2, **options))
    assert local.graded_now == 5
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        sink = _KillOnFirstResult(client, client.run(os.getpid))
        run = grade_class(root, tmp_path / "dask", ClassOptions(dask=cluster.scheduler_address,
                                                                **options), progress=sink)
    assert sink.killed and run.graded_now == 5
    # only what the killed worker held (running, or assigned to it) was retried
    retried = {line.split(":")[0] for line in run.retried}
    assert retried and retried <= sink.lost and all("KilledWorker" in r for r in run.retried)
    assert {r["status"] for r in run.records.values()} == {"graded"}
    for name in OUTPUTS:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
