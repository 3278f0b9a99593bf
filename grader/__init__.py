"""The trusted grader: intake, sandbox, checks, rubric engine, result model, renderers, CLI."""

__version__ = "0.1.0"
