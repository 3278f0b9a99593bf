"""The rubrics that ship with the grader (data only; the format is docs/rubrics.md).

``*.yaml`` are rubrics (``grade rubrics``); ``sections/*.yaml`` hold checks several rubrics share;
``notebooks/*.yaml`` grade notebooks; ``fixtures/`` is the store of expected outputs, one
``<builder>.npz`` per fixture builder with ``manifest.json``.
"""
