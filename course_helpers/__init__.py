"""Course helper files the grader supplies into submissions that hold a course exercise.

Course content, like ``reference/``: it lives in the source checkout and travels in course packs
(``code/course_helpers/``), never in the engine wheel (docs/deployment.md, "The engine wheel holds
no solution"). ``solver.py`` is the course Solver, equal to the reference's (the canonical
assignment's gradient-norm recording is marked as a solution region, as in ``reference/``); a
student pack carries it with that region left out. ``grader.profiles.supply`` copies these files
into a submission; they are never imported by the grader itself.
"""
