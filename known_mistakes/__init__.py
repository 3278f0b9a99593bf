"""Known mistakes, simulated: the reference's formulas with one course-typical error applied.

Instructor-side code, like ``reference/``: it lives only in the source checkout (the engine wheel
does not carry it, docs/deployment.md "What the engine wheel holds"). Fixture builders
(``grade fixtures regenerate``) call it to store each mistake's output beside the right one;
grading compares a student's output with those stored arrays (``grader.checks.diagnosis``), so
the engine itself holds no solution formula.
"""
