"""Finished course notebooks of several years, written for the tests from what docs/courses.md
(§A5.3, §A5.4, §6) says each year's notebook prints and asks: the real cases where a grader
that expects the 2025 notebook takes points the course would not.

Each builder returns an nbformat notebook (``builders.notebook``) whose work is complete and
correct for its year; graded by the packaged notebook rubric of its file name, every keyed
question is right and every stated figure meets that year's target.
"""
from __future__ import annotations

import json
from pathlib import Path

from grader.checks import load_catalogue
from grader.notebook.plan import NotebookUnderTest, rubric_for
from grader.notebook.read import parse_notebook
from grader.plan import PlannedCheck
from grader.result import CheckResult
from grader.session import Session

from .builders import code, md, notebook, numbered, stream

ANSWER = "$\\color{blue}{\\textit Your Answer:}$ "
KNN_SETUP = code("from cs231n.classifiers import KNearestNeighbor\n"
                 "classifier = KNearestNeighbor()\nclassifier.train(X_train, y_train)\n"
                 "dists = classifier.compute_distances_two_loops(X_test)")
K1_2017 = code("# Now implement the function predict_labels and run the code below:\n"
               "# We use k = 1 (which is Nearest Neighbor).\n"
               "y_test_pred = classifier.predict_labels(dists, k=1)\n\n"
               "# Compute and print the fraction of correctly predicted examples\n"
               "num_correct = np.sum(y_test_pred == y_test)\n"
               "accuracy = float(num_correct) / num_test\n"
               "print(\"Got %d / %d correct => accuracy: %f\" % (num_correct, num_test, accuracy))",
               stream("Got 137 / 500 correct => accuracy: 0.274000\n"))


def _loops_2017(name: str, attr: str):
    # before 2021 the cells print "Difference was:" and use double quotes in places
    return code(f"{name} = classifier.{attr}(X_test)\n\n"
                "# the Frobenius norm of the difference of the two matrices\n"
                f"difference = np.linalg.norm(dists - {name}, ord=\"fro\")\n"
                "print('Difference was: %f' % (difference, ))\n"
                "if difference < 0.001:\n    print('Good! The distance matrices are the same')\n"
                "else:\n    print('Uh-oh! The distance matrices are different')",
                stream("Difference was: 0.000000\nGood! The distance matrices are the same\n"))


def _loops_2025(name: str, attr: str, which: str):
    return code(f"{name} = classifier.{attr}(X_test)\n"
                f"difference = np.linalg.norm(dists - {name}, ord='fro')\n"
                f"print('{which} loop difference was: %f' % (difference, ))\n"
                "if difference < 0.001:\n    print('Good! The distance matrices are the same')\n"
                "else:\n    print('Uh-oh! The distance matrices are different')",
                stream(f"{which} loop difference was: 0.000000\nGood! The distance matrices are the same\n"))


BEST_K = code("best_k = 10\nclassifier = KNearestNeighbor()\nclassifier.train(X_train, y_train)\n"
              "y_test_pred = classifier.predict(X_test, k=best_k)\n"
              "num_correct = np.sum(y_test_pred == y_test)\naccuracy = float(num_correct) / num_test\n"
              "print('Got %d / %d correct => accuracy: %f' % (num_correct, num_test, accuracy))",
              stream("Got 141 / 500 correct => accuracy: 0.282000\n"))


def knn_2017():
    """CS231n 2017 knn.ipynb: one inline question, "Difference was:" cells."""
    return numbered(
        code("import numpy as np"), KNN_SETUP,
        md("**Inline Question #1:** Notice the structured patterns in the distance matrix, where "
           "some rows or columns are visible brighter."),
        md("**Your Answer**: a test image far from every training image gives a bright row."),
        K1_2017,
        _loops_2017("dists_one", "compute_distances_one_loop"),
        _loops_2017("dists_two", "compute_distances_no_loops"),
        BEST_K,
    )


KNN_Q2 = ("**Inline Question 2**\n\nWhich of the following preprocessing steps will not change the "
          "performance of a Nearest Neighbor classifier that uses L1 distance? Select all that "
          "apply.\n1. Subtracting the mean\n2. Subtracting the per pixel mean\n3. Subtracting the "
          "mean and dividing by the standard deviation\n4. Subtracting the pixel-wise mean and "
          "dividing by the pixel-wise standard deviation\n5. Rotating the coordinate axes")
KNN_Q3 = ("**Inline Question 3**\n\nWhich of the following statements about $k$-Nearest Neighbor "
          "($k$-NN) are true in a classification setting, and for all $k$? Select all that apply.\n"
          "1. The decision boundary of the k-NN classifier is linear.\n2. The training error of a "
          "1-NN will always be lower than or equal to that of 5-NN.\n3. The test error of a 1-NN "
          "will always be lower than that of a 5-NN.\n4. The time needed to classify a test "
          "example grows with the size of the training set.\n5. None of the above.")


def knn_2025_answers(q2: str = "*Your Answer*: 1, 2, 3",
                     q3: str = "**Your Answer:** 2,4 因为 1-NN 的训练误差总是 0，而 5-NN 不一定；"
                               "第3个说法不对"):
    """CS231n 2025 knn.ipynb answered as students write: the marker in emphasis, and the
    explanation in Chinese right after the option numbers, naming other numbers."""
    return numbered(
        code("import numpy as np"), KNN_SETUP,
        md("**Inline Question 1**\n\nNotice the structured patterns in the distance matrix."),
        md(ANSWER + "outliers"),
        K1_2017,
        _loops_2025("dists_one", "compute_distances_one_loop", "One"),
        _loops_2025("dists_two", "compute_distances_no_loops", "No"),
        BEST_K,
        md(KNN_Q2), md(q2),
        md(KNN_Q3), md(q3),
    )


def knn_colab():
    """The 2025 knn.ipynb downloaded from Colab: outputs kept, every execution count null, the
    Drive-mount cell left unrun (the student ran the rest locally)."""
    nb = knn_2025_answers("Your Answer: 1,2,3", "Your Answer: 2, 4")
    mount = code("# This mounts your Google Drive to the Colab VM.\nfrom google.colab import drive\n"
                 "drive.mount('/content/drive')\nFOLDERNAME = 'cs231n/assignments/assignment1/'\n"
                 "import sys\nsys.path.append('/content/drive/My Drive/{}'.format(FOLDERNAME))",
                 count=None)
    nb.cells.insert(0, mount)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
    return nb


SOFTMAX_TF = ("Suppose the overall training loss is defined as the sum of the per-datapoint loss "
              "over all training examples. It is possible to add a new datapoint to a training set "
              "that would change the softmax loss, but leave the SVM loss unchanged.")


def softmax_2019():
    """CS231n 2019 softmax.ipynb: the tuning target is "over 0.35", the true/false question is
    Inline Question 2, and no cell states a test-accuracy target."""
    return numbered(
        code("import numpy as np"),
        md("**Inline Question 1**\n\nWhy do we expect our loss to be close to -log(0.1)?"),
        md(ANSWER + "ten classes, uniform scores"),
        md("Use the validation set to tune hyperparameters (regularization strength and learning "
           "rate). You should experiment with different ranges for the learning rates and "
           "regularization strengths; if you are careful you should be able to get a "
           "classification accuracy of over 0.35 on the validation set."),
        code("results = {}\nbest_val = -1\n# ... tuning loop ...\n"
             "print('best validation accuracy achieved during cross-validation: %f' % best_val)",
             stream("best validation accuracy achieved during cross-validation: 0.372000\n")),
        code("y_test_pred = best_softmax.predict(X_test)\n"
             "test_accuracy = np.mean(y_test == y_test_pred)\n"
             "print('softmax on raw pixels final test set accuracy: %f' % (test_accuracy, ))",
             stream("softmax on raw pixels final test set accuracy: 0.355000\n")),
        md("**Inline Question 2** - *True or False*\n\n" + SOFTMAX_TF),
        md("$\\color{blue}{\\textit Your Answer:}$ *True*\n\n"
           "$\\color{blue}{\\textit Your Explanation:}$ a point with a large SVM margin"),
    )


def two_layer_net_2018():
    """CS231n 2018 two_layer_net.ipynb (the stand-alone net): it prints "Validation accuracy:"
    and asks one unnumbered inline question."""
    return numbered(
        code("import numpy as np"),
        code("val_acc = (net.predict(X_val) == y_val).mean()\nprint('Validation accuracy: ', val_acc)",
             stream("Validation accuracy:  0.287\n")),
        code("best_net = net  # tuned\ntest_acc = (best_net.predict(X_test) == y_test).mean()\n"
             "print('Test accuracy: ', test_acc)", stream("Test accuracy:  0.502\n")),
        md("**Inline Question**\n\nNow that you have trained a Neural Network classifier, you may "
           "find that your testing accuracy is much lower than the training accuracy. In what ways "
           "can we decrease this gap? Select all that apply.\n1. Train on a larger dataset.\n"
           "2. Add more hidden units.\n3. Increase the regularization strength.\n4. None of the above."),
        md("$\\color{blue}{\\textit Your Answer:}$ 1，3\n\n$\\color{blue}{\\textit Your Explanation:}$ ..."),
    )


# (file name, builder): the notebooks the before/after figures of docs/rubrics.md are measured on
YEAR_NOTEBOOKS = [("knn.ipynb", knn_2017), ("knn.ipynb", knn_2025_answers), ("knn.ipynb", knn_colab),
                  ("softmax.ipynb", softmax_2019), ("two_layer_net.ipynb", two_layer_net_2018)]

def _verify_ids(spec) -> list[str]:
    ids = []
    for claim in spec.get("claims") or []:
        verify = claim.get("verify") or {}
        ids += [str(i) for i in verify.get("checks") or ([verify["check"]] if "check" in verify else [])]
    return ids


def grade_notebook(name: str, nb, *, package_passes: bool = True):
    """``(results by check id, NotebookUnderTest)``: ``nb`` graded by the packaged notebook
    rubric for ``name``, as the engine grades it after a package whose checks all passed
    (``package_passes``; False: no package was handed in)."""
    load_catalogue()
    rubric, spec = rubric_for(name)
    passed = [CheckResult(name=i, section="package", kind="value", points=1, max_points=1,
                          status="passed", message="ok", visibility="visible", duration_s=0)
              for i in _verify_ids(spec)] if package_passes else []
    nut = NotebookUnderTest(name=name, path=Path(name), rubric=rubric, spec=spec,
                            stored=parse_notebook(json.dumps(nb), name),
                            package_results={r.name: r for r in passed}, package_present=package_passes)
    session = Session(worker=None)
    results = {}
    for section in rubric.sections:
        for rc in section.checks:
            results[rc.id] = session.run_check(PlannedCheck(section.name, rc, notebook=nut))
    return results, nut


__all__ = ["grade_notebook", "YEAR_NOTEBOOKS", "knn_2017", "knn_2025_answers", "knn_colab", "notebook",
           "softmax_2019", "two_layer_net_2018"]
