"""Notebook-only submissions: functions defined in cells become a package in the canonical layout."""
from __future__ import annotations

import importlib.util
import json
import sys

from grader.notebook.extract import extract_package
from grader.notebook.read import parse_notebook

from .builders import code, numbered

CELLS = [
    code("%matplotlib inline\nimport numpy as np\nfrom cs231n.layers import *\nprint('setup')"),
    code("def relu_forward(x):\n    out = np.maximum(0, x)\n    return out, x"),
    code("def helper(x):\n    return 2 * x\n\nclass KNearestNeighbor:\n    def train(self, X, y):\n"
         "        self.X, self.y = X, y\n\nraise SystemExit('top-level code is not kept')"),
    code("def relu_forward(x):\n    return helper(np.maximum(0, x)) / 2, x   # the later definition wins"),
    code("def broken(:\n    pass"),
]


def test_definitions_go_to_the_reference_modules_and_top_level_code_is_dropped(tmp_path):
    nb = parse_notebook(json.dumps(numbered(*CELLS)), "hw.ipynb")
    result = extract_package([nb], tmp_path / "pkg")
    assert result.modules == {"layers": ["relu_forward"], "classifiers.k_nearest_neighbor": ["KNearestNeighbor"]}
    assert result.skipped == ["hw.ipynb cell 5 [In 5]"] and result.definitions == 3
    code_text = (tmp_path / "pkg" / "_notebook_code.py").read_text()
    assert "SystemExit" not in code_text and "print('setup')" not in code_text and "%matplotlib" not in code_text
    assert "try:\n    from cs231n.layers import *\nexcept Exception:\n    pass" in code_text
    assert (tmp_path / "pkg" / "classifiers" / "k_nearest_neighbor.py").read_text().startswith(
        "from .._notebook_code import KNearestNeighbor")


def test_the_extracted_package_imports_and_uses_the_later_definition(tmp_path):
    nb = parse_notebook(json.dumps(numbered(*CELLS)), "hw.ipynb")
    extract_package([nb], tmp_path / "extracted_pkg")
    spec = importlib.util.spec_from_file_location("extracted_pkg", tmp_path / "extracted_pkg" / "__init__.py",
                                                  submodule_search_locations=[str(tmp_path / "extracted_pkg")])
    sys.modules["extracted_pkg"] = importlib.util.module_from_spec(spec)
    try:
        from extracted_pkg.layers import relu_forward

        out, _ = relu_forward(__import__("numpy").array([-1.0, 3.0]))
        assert out.tolist() == [0.0, 3.0]
    finally:
        for name in [n for n in sys.modules if n.startswith("extracted_pkg")]:
            del sys.modules[name]


def test_a_notebook_defining_no_graded_function_extracts_nothing(tmp_path):
    nb = parse_notebook(json.dumps(numbered(code("def my_plot():\n    pass"))), "hw.ipynb")
    result = extract_package([nb], tmp_path / "pkg")
    assert result.modules == {} and not (tmp_path / "pkg").exists()
