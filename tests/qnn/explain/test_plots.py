import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import BarContainer

from qnn.explain import FeatureImportance, plot_heatmaps, plot_importance


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_bars_are_sorted_with_one_std_error_bars():
    imp = FeatureImportance(np.array([[0.1, 0.5, 0.3], [0.3, 0.7, 0.3]]), "gradient_shap")
    ax = plot_importance(imp, ["a", "b", "c"], label="hybrid")
    widths = [bar.get_width() for bar in ax.patches]
    np.testing.assert_allclose(widths, [0.2, 0.3, 0.6])  # least important at the bottom
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "c", "b"]
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    segments = bars.errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 0] - s[0, 0] for s in segments], 2 * imp.std[[0, 2, 1]])
    assert ax.get_title() == "hybrid"


def test_top_features_only():
    imp = FeatureImportance(np.array([[0.1, 0.5, 0.3, 0.9]]), "saliency")
    ax = plot_importance(imp, top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x1", "x3"]


def test_heatmaps_show_each_image_on_a_symmetric_scale(rng):
    maps = rng.normal(size=(5, 16))
    fig = plot_heatmaps(maps, images=rng.random((5, 4, 4)), n_images=3, n_cols=2)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 4 and len(axes) == 3
    for i, ax in enumerate(axes):
        heat = ax.images[1]
        np.testing.assert_array_equal(heat.get_array(), maps[i].reshape(4, 4))
        low, high = heat.get_clim()
        assert low == -high == -np.abs(maps[i]).max()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attributions": np.zeros((2, 15))}, "not images"),
        ({"attributions": np.zeros((2, 6)), "image_shape": (2, 2)}, "not images"),
        ({"attributions": np.zeros(4)}, r"must have shape \(n, H, W\)"),
        ({"attributions": np.zeros((2, 4)), "images": np.zeros((3, 4))}, "images must match"),
        ({"attributions": np.zeros((2, 4)), "n_images": 0}, "n_images must be a positive integer"),
    ],
)
def test_bad_heatmap_input_is_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_heatmaps(**kwargs)


def test_bad_feature_names_are_named():
    with pytest.raises(ValueError, match="feature_names must name all 2 features"):
        plot_importance(FeatureImportance(np.ones((1, 2)), "saliency"), ["only one"])
