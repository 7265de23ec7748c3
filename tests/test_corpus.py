"""The corpus (``tests/corpus``): honest submissions in many styles keep every point of the
questions they cover, and each one-mistake submission loses exactly the cases its mistake
should cost — public ones included, so the notebook says so before the student submits."""

import numpy as np
import pytest

from tests.corpus import a1 as a1_corpus
from tests.corpus import a2 as a2_corpus
from tests.corpus import a3 as a3_corpus
from tests.corpus.harness import import_reference, master_namespace, outcomes, public_cases

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def a2_namespace(a2, a2_build, tmp_path_factory):
    import_reference(a2_build.autograder_zip, a2.reference_module, tmp_path_factory.mktemp("ref"))
    return master_namespace(a2.master)


@pytest.mark.parametrize("name", sorted(a2_corpus.VARIANTS))
def test_a2_variant(name, a2, a2_namespace, monkeypatch):
    monkeypatch.chdir(a2.master.parent)  # the notebook's folder: xiaogege.csv
    _assert_outcomes(a2_corpus.VARIANTS[name], a2_namespace, a2.tests_dir)


@pytest.fixture(scope="module")
def a1_namespace(a1, a1_build, tmp_path_factory):
    import_reference(a1_build.autograder_zip, a1.reference_module, tmp_path_factory.mktemp("ref"))
    namespace = master_namespace(a1.master)
    rng = np.random.default_rng(2026)  # what the public checks read of the notebook's data
    namespace["X_train"] = rng.uniform(size=(64, 784)).astype("float32")
    namespace["Y_train"] = namespace["one_hot"](rng.integers(0, 10, size=64))
    return namespace


@pytest.mark.parametrize("name", sorted(a1_corpus.VARIANTS))
def test_a1_variant(name, a1, a1_namespace):
    _assert_outcomes(a1_corpus.VARIANTS[name], a1_namespace, a1.tests_dir)


@pytest.fixture(scope="module")
def a3_namespace(a3):
    return master_namespace(a3.master)  # q2 and q3 use no reference and no data


@pytest.mark.parametrize("name", sorted(a3_corpus.VARIANTS))
def test_a3_variant(name, a3, a3_namespace):
    _assert_outcomes(a3_corpus.VARIANTS[name], a3_namespace, a3.tests_dir)


def _assert_outcomes(variant, namespace, tests_dir):
    found = outcomes(namespace, variant, tests_dir)
    failed = {case for case, why in found.items() if why}
    assert failed == variant.fails, {case: found.get(case, "no such case")
                                     for case in sorted(failed ^ variant.fails)}
    for case in failed & public_cases(tests_dir, variant.questions):
        # what the notebook shows: the author's bilingual message, not a bare exception
        assert found[case].startswith("AssertionError: ") and "/ " in found[case], found[case]
