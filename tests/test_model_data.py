"""The grader's own forward pass on a model sent as data (``hwkit.models``): it equals
Keras's ``predict`` on the networks students build, survives the trip through
``hwkit.values``, and refuses anything it cannot rebuild with ``NotReproducible`` only."""

import copy

import numpy as np
import pytest

import hwkit.models.forward_pass as forward_pass
from hwkit import values
from hwkit.kernel.describe import describe_network
from hwkit.models import NotReproducible, activations, forward, predict_labels

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.filterwarnings("ignore:The object being serialized includes a `lambda`")


def _a1_nn(hidden, output):
    """A1's network, x (784) → 256 → 128 → 10, each Dense with the given activation."""
    x = keras.Input(shape=(784,))
    a1 = keras.layers.Dense(256, activation=hidden)(x)
    a2 = keras.layers.Dense(128, activation=hidden)(a1)
    return keras.Model(x, keras.layers.Dense(10, activation=output)(a2))


def _a1_layers():
    """A1's network with linear Dense layers and activation layers after them."""
    x = keras.Input(shape=(784,))
    h = keras.layers.ReLU()(keras.layers.Dense(256)(x))
    h = keras.layers.Activation(tf.nn.relu)(keras.layers.Dense(128)(h))
    return keras.Model(x, keras.layers.Softmax()(keras.layers.Dense(10)(h)))


def _a1_sequential():
    return keras.Sequential([keras.Input(shape=(784,)),
                             keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dropout(0.2),
                             keras.layers.Dense(128, activation=keras.activations.relu),
                             keras.layers.BatchNormalization(),
                             keras.layers.Dense(10, activation="softmax")])


def _ova():
    x = keras.Input(shape=(784,))
    return keras.Model(x, keras.layers.Dense(10, activation="sigmoid")(x))


def _a3_dnn():
    """A3's DNN (Dense without bias, He, L2 → batch-norm → ReLU → dropout) ×3 → 2 softmax,
    trained a few steps so its moving statistics are far from 0 and 1."""
    x = keras.Input(shape=(64,))
    h = x
    for units in (48, 32, 16):
        h = keras.layers.Dense(units, use_bias=False, kernel_initializer="he_normal",
                               kernel_regularizer=keras.regularizers.L2(1e-4))(h)
        h = keras.layers.BatchNormalization(momentum=0.5)(h)
        h = keras.layers.Activation("relu")(h)
        h = keras.layers.Dropout(0.3)(h)
    model = keras.Model(x, keras.layers.Dense(2, activation="softmax")(h))
    rng = np.random.default_rng(5)
    images = rng.uniform(0, 3, size=(256, 64)).astype("float32") + 1.0
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    model.fit(images, rng.integers(0, 2, 256), batch_size=32, epochs=1, verbose=0)
    return model


def _a3_shallow():
    x = keras.Input(shape=(64,))
    h = keras.layers.Dense(5, activation="relu")(x)
    h = keras.layers.Dense(3, activation="relu")(h)
    return keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(h))


def _activation_layers():
    x = keras.Input(shape=(64,))
    h = keras.layers.LeakyReLU(0.1)(keras.layers.Dense(32)(x))
    h = keras.layers.ELU(alpha=0.5)(keras.layers.Dense(32)(h))
    prelu = keras.layers.PReLU()
    h = prelu(keras.layers.Dense(32, use_bias=False)(h))
    h = keras.layers.ReLU(max_value=6)(keras.layers.Dense(16)(h))
    h = keras.layers.ReLU(negative_slope=0.1, threshold=0.5)(keras.layers.Dense(16)(h))
    model = keras.Model(x, keras.layers.Dense(3, activation="softmax")(h))
    prelu.set_weights([np.random.default_rng(6).uniform(-0.5, 0.5, size=(32,))])
    return model


def _many_activations():
    """One Dense per activation of the catalogue, spelled the ways students spell them."""
    spellings = ["tanh", "selu", tf.nn.gelu, lambda t: tf.nn.gelu(t, approximate=True),
                 tf.nn.swish, "mish", "softplus", tf.nn.elu, "hard_sigmoid", "softsign",
                 "relu6", "hard_silu", tf.nn.leaky_relu, "log_sigmoid", "hard_tanh",
                 "linear", None, "exponential"]
    x = keras.Input(shape=(12,))
    h = x
    for spelling in spellings:
        h = keras.layers.Dense(12, activation=spelling)(h)
    return keras.Model(x, keras.layers.Dense(5, activation="log_softmax")(h))


def _flatten():
    return keras.Sequential([keras.Input(shape=(4, 4)), keras.layers.Flatten(),
                             keras.layers.Dense(8, activation="relu"),
                             keras.layers.GaussianNoise(0.5),
                             keras.layers.Dense(3, activation="softmax")])


def _flatten_channels_first():
    return keras.Sequential([keras.Input(shape=(2, 3, 2)),
                             keras.layers.Flatten(data_format="channels_first"),
                             keras.layers.Dense(3, activation="softmax")])


BUILDERS = {
    "a1-strings": lambda: _a1_nn("relu", "softmax"),
    "a1-tf.nn": lambda: _a1_nn(tf.nn.relu, tf.nn.softmax),
    "a1-keras.activations": lambda: _a1_nn(keras.activations.relu, keras.activations.softmax),
    "a1-layers": _a1_layers,
    "a1-sequential": _a1_sequential,
    "ova": _ova,
    "a3-dnn": _a3_dnn,
    "a3-shallow": _a3_shallow,
    "activation-layers": _activation_layers,
    "many-activations": _many_activations,
    "flatten": _flatten,
    "flatten-channels-first": _flatten_channels_first,
}


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(14)
    return {name: build() for name, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def descriptions(models):
    return {name: describe_network(model) for name, model in models.items()}


def _inputs(model, rows: int = 150) -> np.ndarray:
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(7).uniform(0, 1, size=(rows, *shape)).astype("float32")


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    return got.shape == want.shape and bool(
        np.max(np.abs(got - want)) <= 1e-5 * max(1.0, float(np.max(np.abs(want)))))


@pytest.mark.parametrize("name", BUILDERS)
def test_the_graders_forward_equals_keras_predict(name, models, descriptions):
    model, X = models[name], _inputs(models[name])
    want = model.predict(X, verbose=0)
    got = forward(descriptions[name], X, batch_size=64)  # three batches, the last one short
    assert got.dtype == np.float32 and _close(got, want)
    expected = (want[:, 0] > 0.5) if want.shape[1] == 1 else np.argmax(want, axis=1)
    labels = predict_labels(descriptions[name], X)
    assert labels.dtype == np.int64 and np.array_equal(labels, expected)


def test_the_dnn_is_checked_on_non_trivial_moving_statistics(descriptions):
    norms = [layer for layer in descriptions["a3-dnn"]["layers"]
             if layer["class"] == "BatchNormalization"]
    assert len(norms) == 3
    for layer in norms:
        assert np.max(np.abs(layer["weights"]["moving_mean"])) > 0.1
        assert np.max(np.abs(layer["weights"]["moving_variance"] - 1)) > 0.1


def test_a_description_survives_the_trip_through_values(models, descriptions):
    for name, description in descriptions.items():
        back = values.decode(values.encode(description))
        assert back.keys() == description.keys() and back["format"] == activations.FORMAT
        X = _inputs(models[name], 20)
        assert np.array_equal(forward(back, X), forward(description, X)), name


def test_rows_with_as_many_numbers_are_reshaped_to_the_models_input(models, descriptions):
    X = _inputs(models["flatten"], 30)
    flat = forward(descriptions["flatten"], X.reshape(30, 16))
    assert np.array_equal(flat, forward(descriptions["flatten"], X))
    with pytest.raises(NotReproducible, match=r"\(4, 4\).*\(15,\)"):
        forward(descriptions["flatten"], X.reshape(30, 16)[:, :15])


def test_no_rows_give_no_answers(descriptions):
    assert forward(descriptions["ova"], np.zeros((0, 784), "float32")).shape == (0, 10)
    assert predict_labels(descriptions["ova"], np.zeros((0, 784), "float32")).shape == (0,)


def test_the_description_says_what_the_probe_saw(models, descriptions):
    found = descriptions["a3-dnn"]
    assert found["format"] == activations.FORMAT and found["chain_error"] == ""
    assert found["model_class"] == "Functional" and found["standard_model"] is True
    assert found["inputs"] == [(None, 64)]
    dense = found["layers"][0]
    assert (dense["class"], dense["standard"], dense["units"]) == ("Dense", True, 48)
    assert dense["initializer"] == "HeNormal" and np.isclose(dense["l2"], 1e-4)
    assert dense["config"]["use_bias"] is False and set(dense["weights"]) == {"kernel"}
    assert dense["weights"]["kernel"].dtype == np.float32
    assert activations.identify(dense["activation_values"]) == "linear"
    assert descriptions["a1-sequential"]["model_class"] == "Sequential"
    assert descriptions["a1-tf.nn"]["layers"][2]["activation_function"] == "softmax_v2"
    assert "weights" not in describe_network(models["ova"], weights=False)["layers"][0]


@pytest.mark.parametrize("name", [k for k in activations.CATALOGUE if k != "gelu_tanh"])
def test_keras_activations_are_identified_by_their_values(name):
    values_ = np.asarray(keras.activations.get(name)(keras.ops.convert_to_tensor(
        activations.GRID)))
    assert activations.identify(values_) == name


def test_spellings_of_one_activation_are_one_and_near_misses_are_none():
    grid = keras.ops.convert_to_tensor(activations.GRID)
    assert activations.identify(np.asarray(tf.nn.softmax(grid))) == "softmax"
    assert activations.identify(np.asarray(tf.nn.swish(grid))) == "silu"
    assert activations.identify(np.asarray(tf.nn.gelu(grid, approximate=True))) == "gelu_tanh"
    assert activations.identify(np.asarray(tf.nn.softmax(grid, axis=0))) is None
    assert activations.identify(np.asarray(tf.nn.leaky_relu(grid, 0.1))) is None
    assert activations.identify(np.asarray(tf.nn.relu(grid)) + 1e-3) is None
    assert activations.identify(activations.GRID[:3]) is None
    assert activations.identify(np.full(activations.GRID.shape, np.nan)) is None


def test_activation_names_follow_values_not_spelling(descriptions):
    names = [activations.activation_name(layer) for layer in descriptions["a1-tf.nn"]["layers"]]
    assert names == ["relu", "relu", "softmax"]
    names = [activations.activation_name(layer)
             for layer in descriptions["activation-layers"]["layers"]]
    assert names == [None, "leaky_relu", None, "elu", None, "prelu", None, "relu6", None,
                     "relu", "softmax"]
    custom = {"class": "Dense", "activation_function": "relu",
              "activation_values": np.asarray(activations.GRID) ** 2}
    assert activations.activation_name(custom) == "unknown"


# --- What the grader refuses, and how it says so ----------------------------------------


def _refused(description, X, *fragments: str) -> str:
    with pytest.raises(NotReproducible) as caught:
        forward(description, X)
    message = str(caught.value)
    assert message.startswith("评分器无法重建你的模型：")
    assert " / the grader cannot rebuild your model: " in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_not_reproducible_is_a_value_error():
    assert issubclass(NotReproducible, ValueError)


class MyDense(keras.layers.Dense):
    pass


class Wrapped(keras.Model):
    def __init__(self):
        super().__init__()
        self.inner = keras.layers.Dense(10, activation="softmax")

    def call(self, x):
        return self.inner(x) * 0 + 0.1


def test_a_subclassed_layer_is_refused_by_place_and_name():
    x = keras.Input(shape=(784,))
    h = keras.layers.Dense(16, activation="relu")(x)
    model = keras.Model(x, MyDense(10, activation="softmax")(h))
    message = _refused(describe_network(model), np.zeros((2, 784)), "layer 2 MyDense",
                       "not a standard Keras layer", "第 2 层 MyDense", "keras.layers.Dense")
    assert "不是标准 Keras 层" in message


def test_a_subclassed_model_is_refused_and_its_call_never_runs():
    model = Wrapped()
    model(np.zeros((1, 784), "float32"))
    called = []
    model.call = lambda *args, **kwargs: called.append(1)  # describing must not call it
    found = describe_network(model)
    assert not called and found["model_class"] == "Wrapped" and not found["standard_model"]
    _refused(found, np.zeros((2, 784)), "Wrapped", "keras.Sequential")


def test_a_replaced_predict_or_call_makes_a_model_or_layer_custom():
    model = _ova()
    model.predict = lambda *args, **kwargs: np.ones((1, 10))
    found = describe_network(model)
    assert found["model_overridden"] == ["predict"] and not found["standard_model"]
    _refused(found, np.zeros((2, 784)), "call/predict")
    model = _ova()
    model.layers[-1].call = lambda x: x
    found = describe_network(model)
    assert found["layers"][0]["overridden"] == ["call"]
    _refused(found, np.zeros((2, 784)), "layer 1 Dense", "not a standard Keras layer")


def test_a_lambda_layer_is_refused():
    x = keras.Input(shape=(784,))
    h = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Dense(16)(x))
    model = keras.Model(x, keras.layers.Dense(10, activation="softmax")(h))
    _refused(describe_network(model), np.zeros((2, 784)), "layer 2 Lambda",
             "not a layer the grader can rebuild", "Dropout")


def test_a_skip_connection_is_refused_as_not_one_chain():
    x = keras.Input(shape=(784,))
    a = keras.layers.Dense(16, activation="relu")(x)
    b = keras.layers.Dense(16, activation="relu")(a)
    model = keras.Model(x, keras.layers.Dense(10)(keras.layers.Add()([a, b])))
    found = describe_network(model)
    assert found["chain_error"]
    _refused(found, np.zeros((2, 784)), "not one chain", "skip connections")


def test_a_layer_used_twice_is_not_one_chain():
    x = keras.Input(shape=(8,))
    shared = keras.layers.Dense(8)
    found = describe_network(keras.Model(x, shared(shared(x))))
    assert "used more than once" in found["chain_error"]


def test_an_unknown_activation_is_refused_with_its_name():
    x = keras.Input(shape=(784,))

    def cube(t):
        return t**3

    model = keras.Model(x, keras.layers.Dense(10, activation=cube)(x))
    _refused(describe_network(model), np.zeros((2, 784)), "layer 1 Dense", "(cube)",
             "none of Keras's", 'activation="relu"')


@pytest.fixture()
def ova(descriptions):
    return copy.deepcopy(descriptions["ova"])


def test_a_missing_weight_is_named(ova):
    del ova["layers"][0]["weights"]["bias"]
    _refused(ova, np.zeros((2, 784)), "layer 1 Dense", "no weight 'bias'")


def test_a_description_without_weights_says_so(models):
    _refused(describe_network(models["ova"], weights=False), np.zeros((2, 784)),
             "weights=True")


def test_a_nan_weight_is_named(ova):
    ova["layers"][0]["weights"]["kernel"][3, 4] = np.nan
    _refused(ova, np.zeros((2, 784)), "'kernel'", "NaN", "learning rate")


def test_a_wrong_kernel_shape_is_named(ova):
    ova["layers"][0]["weights"]["kernel"] = ova["layers"][0]["weights"]["kernel"][1:]
    _refused(ova, np.zeros((2, 784)), "'kernel' of shape (783, 10), expected (784, 10)")


def test_an_unknown_extra_weight_is_named(ova):
    ova["layers"][0]["weights"]["lora_kernel_a"] = np.zeros((784, 2), "float32")
    _refused(ova, np.zeros((2, 784)), "lora_kernel_a")


def test_a_million_layers_are_refused_before_any_is_looked_at(ova):
    ova["layers"] = ova["layers"] * 10**6
    _refused(ova, np.zeros((2, 784)), "1000000 layers", f"at most {forward_pass.MAX_LAYERS}")


def test_a_kernel_claiming_a_billion_numbers_is_refused_before_it_is_read(ova):
    huge = np.broadcast_to(np.float32(0.1), (31623, 31623))  # 10^9 elements, no memory
    ova["layers"][0]["weights"]["kernel"] = huge
    _refused(ova, np.zeros((2, 784)), f"{huge.size + 10:,} parameters",
             f"at most {forward_pass.MAX_PARAMETERS:,}")


def test_too_much_work_is_refused_before_any_is_done(descriptions):
    rows = np.broadcast_to(np.float32(0), (10**7, 784))  # 10^7 rows × 235,146 weights
    _refused(descriptions["a1-strings"], rows, "too large", "2e+11")


def test_a_description_from_elsewhere_is_refused(ova):
    _refused({"layers": ova["layers"]}, np.zeros((2, 784)), "describe_network")
    _refused([ova], np.zeros((2, 784)), "describe_network")


@pytest.mark.parametrize("change", [
    lambda d: d["layers"][0].update(standard="yes"),
    lambda d: d["layers"][0].update(units=True),
    lambda d: d["layers"][0].update(units=-3),
    lambda d: d["layers"][0]["config"].update(use_bias="no"),
    lambda d: d["layers"][0].update(config=[1, 2]),
    lambda d: d["layers"][0].update(weights={"kernel": "x", "bias": None}),
    lambda d: d["layers"][0]["weights"].update(kernel=np.zeros((784, 10), complex)),
    lambda d: d["layers"][0].update(activation_values=np.zeros((4, 15))),
    lambda d: d["layers"][0].update(activation_values="relu"),
    lambda d: d["layers"].append(7),
    lambda d: d["layers"].append({"class": None}),
    lambda d: d.update(inputs=[(None, 784), (None, 784)]),
    lambda d: d.update(inputs=[(None, "784")]),
    lambda d: d.update(inputs=[(None,) + (1,) * 40]),
    lambda d: d.update(chain_error=None),
    lambda d: d.update(layers={"0": 1}),
])
def test_malformed_descriptions_are_refused(ova, change):
    change(ova)
    _refused(ova, np.zeros((2, 784)))


def _leaves(tree, path=()):
    if isinstance(tree, dict):
        for key, item in tree.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(tree, list | tuple):
        for index, item in enumerate(tree):
            yield from _leaves(item, (*path, index))
    yield path


def _copy(tree):
    """A copy of the containers, sharing the arrays (nothing below changes an array)."""
    if isinstance(tree, dict):
        return {key: _copy(item) for key, item in tree.items()}
    if isinstance(tree, list):
        return [_copy(item) for item in tree]
    return tuple(_copy(item) for item in tree) if isinstance(tree, tuple) else tree


def _replace(tree, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, tuple):
        return tuple(_replace(v, rest, value) if i == head else v for i, v in enumerate(tree))
    tree[head] = _replace(tree[head], rest, value)
    return tree


JUNK = [None, True, -1, 0, 3, 1e308, float("nan"), "", "Dense", [], {}, (None, 12),
        [1, [2]], {"kernel": 1}, np.zeros(0), np.ones((2, 2), "float32"),
        np.full((4, 16), np.inf), np.array(2**62), np.arange(5, dtype=np.uint8)]


def test_any_part_replaced_by_junk_gives_an_answer_or_not_reproducible(descriptions):
    """Every place of two real descriptions, replaced by each kind of junk a decoded reply can
    hold: the grader answers or raises NotReproducible, never anything else."""
    rng = np.random.default_rng(8)
    for name in ("activation-layers", "a3-dnn"):
        base = values.decode(values.encode(descriptions[name]))
        X = rng.uniform(size=(3, 64)).astype("float32")
        for path in list(_leaves(base)):
            for junk in JUNK:
                mutated = _replace(_copy(base), path, junk)
                try:
                    out = forward(mutated, X)
                except NotReproducible as error:
                    assert "\n" not in str(error)
                else:
                    assert out.dtype == np.float32 and len(out) == 3
