import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from qnn.bench import registry

STAND_IN = "tests.qnn.bench.stand_in:StandInQuantumClassifier"


def test_names_and_paths():
    assert registry.estimator_path("SVC") == "sklearn.svm:SVC"
    assert registry.estimator_path(STAND_IN) == STAND_IN
    with pytest.raises(ValueError, match="model name must be one of"):
        registry.estimator_path("NotAModel")
    with pytest.raises(ValueError, match="does not name an importable class"):
        registry.estimator_class("sklearn.svm:NoSuchClass")


def test_quantum_models_are_those_with_entanglement_or_from_qnn():
    assert registry.is_quantum(STAND_IN) and registry.has_ablation(STAND_IN)
    assert not registry.is_quantum("sklearn.svm:SVC")


def test_build_estimator_sets_random_state_and_rejects_unknown_arguments():
    model = registry.build_estimator("sklearn.neural_network:MLPClassifier", {"alpha": 0.1}, seed=5)
    assert isinstance(model, MLPClassifier) and model.random_state == 5 and model.alpha == 0.1
    assert registry.build_estimator("sklearn.svm:SVC", {}, seed=5).random_state == 5
    with pytest.raises(ValueError, match="not arguments of"):
        registry.build_estimator("sklearn.svm:SVC", {"n_layers": 2}, seed=0)


def test_parameter_counts(rng):
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    mlp = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5).fit(X, y)
    assert registry.parameter_count(mlp) == 3 * 5 + 5 + 5 * 1 + 1
    assert registry.parameter_count(LogisticRegression().fit(X, y)) == 4
    svc = SVC().fit(X, y)
    assert registry.parameter_count(svc) == svc.support_vectors_.size + svc.dual_coef_.size + 1


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 iterations on purpose
