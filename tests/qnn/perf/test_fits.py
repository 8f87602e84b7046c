import pytest

from qnn.cli import main
from qnn.perf.fits import FIT_MODELS, FitTiming, format_fits, published_fit_seconds, time_fits


def test_published_fit_times_cover_every_model():
    published = published_fit_seconds()
    assert set(published) == set(FIT_MODELS)
    assert published["DataReuploadingClassifier"] == pytest.approx(75.63)


def test_the_table_puts_the_ratio_first():
    timing = FitTiming("SeparableVariationalClassifier", {}, 100, True, 2.0, 0.9, 27.06, 0.8996)
    assert timing.speedup == pytest.approx(13.53) and timing.ms_per_step == pytest.approx(20.0)
    row = format_fits([timing]).splitlines()[1]
    assert row.split()[:2] == ["SeparableVariationalClassifier", "13.5x"]


def test_unknown_models_are_refused(capsys):
    with pytest.raises(ValueError, match="models must be among"):
        time_fits(["SVC"])
    assert main(["perf", "--fits", "SVC", "--quiet"]) == 2
    assert "models must be among" in capsys.readouterr().err
