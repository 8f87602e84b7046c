import pytest

from qnn.bench import presets
from qnn.bench.protocol import count_jobs, model_variants
from qnn.bench.registry import MODELS


def _families(config):
    return [v.family for spec in config.models for v in model_variants(spec)]


def test_quick_covers_the_main_job():
    config = presets.quick()
    assert len(config.tasks) >= 3
    assert all(max(task.dimensions) >= 10 for task in config.tasks)
    families = _families(config)
    assert families.count("quantum") >= 3 and families.count("ablation") == families.count("quantum")
    names = {spec.name for spec in config.models}
    assert {"MLPClassifier", "SVC", "LogisticRegression"} <= names
    assert {"CircuitCentricClassifier", "DataReuploadingClassifier"} <= names  # qubit-efficient encodings
    # A size guard for the time budget: 504 fits ran in 1m40s on two idle cores (budget: 5 minutes).
    assert count_jobs(config) <= 504
    quantum = [spec for spec in config.models if spec.name == "DataReuploadingClassifier"][0]
    assert len(list(quantum.grid["n_layers"])) >= 2  # the quantum models get a real grid search


def test_paper_reaches_twenty_features_with_every_variational_model():
    config = presets.paper()
    tabular = [task for task in config.tasks if task.name not in ("mnist_pca", "bars_and_stripes")]
    assert all(max(task.dimensions) == 20 for task in tabular) and len(tabular) == 4
    assert config.n_folds == 5 and len(config.seeds) == 5
    assert set(presets.PAPER_GRIDS) <= set(MODELS)
    quanvolution = next(spec for spec in config.models if spec.name == "QuanvolutionalClassifier")
    assert quanvolution.runs_on("bars_and_stripes", 64) and not quanvolution.runs_on("mnist_pca", 4)
    iqp = next(spec for spec in config.models if spec.name == "IQPVariationalClassifier")
    assert iqp.runs_on("two_curves", 20) and not iqp.runs_on("bars_and_stripes", 64)


def test_unknown_preset():
    with pytest.raises(ValueError, match="preset must be one of"):
        presets.preset("huge")
