"""Deployment on Gradescope (docs/deployment.md).

``bundle.build_bundle`` writes the autograder zip Gradescope asks for (``setup.sh``,
``run_autograder``, the engine wheel and pinned dependency wheels, the rubrics to grade with);
``run`` is what ``run_autograder`` executes for each submission: it grades
``/autograder/submission`` and writes ``/autograder/results/results.json``.
"""
