"""Grading Jupyter notebooks: stored outputs read in the grader, ``--execute`` in the sandbox.

=================  ===================================================================
module             one job
=================  ===================================================================
``read``           nbformat read + validate; per-cell summary (errors, never-executed
                   cells, execution order)
``claims``         the course's printed figures ("Validation set accuracy: ...") and the
                   rubric's claims about them
``questions``      inline/written questions and the student's answers
``template``       edited test cells (compared with the course template's sources)
``execute``        ``--execute``: re-run in a sandbox worker (``kernel_runner`` is the
                   worker side), set-up cells neutralised, dataset path injected
``extract``        functions defined in cells -> a package (notebook-only submissions)
``plan``           the notebooks of a submission, their rubrics (``rubrics/notebooks/``)
``grading``        the engine's notebook step: planned checks (the notebook travels with
                   each), package results for the claims, ``--execute`` runs
=================  ===================================================================

The checks themselves are in ``grader.checks.notebook``. Nothing here runs in the student's
kernel except ``kernel_runner`` (inside the sandbox); every comparison happens in the grader.
"""
