"""A2 submissions written from the release: honest styles and one typical mistake each."""

from tests.corpus.harness import Variant

NETWORK = ("q2", "q3", "q4", "q6")

LOOPS = '''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(X, weights):
    cache = {}
    a = np.array(X, dtype=np.float64)
    cache["a1"] = a
    layer = 1
    for w in weights:
        with_bias = np.concatenate([np.ones((a.shape[0], 1)), a], axis=1)
        z = with_bias.dot(w.T)
        a = sigmoid(z)
        layer += 1
        cache["z" + str(layer)] = z
        cache["a" + str(layer)] = a
    return cache


def cross_entropy(a_out, y):
    m = len(y)
    total = 0.0
    for p, t in zip(a_out.ravel(), np.ravel(y)):
        total += -(t * np.log(p) + (1 - t) * np.log(1 - p))
    return float(total / m)


def backward(cache, y, weights):
    L = len(weights) + 1
    m = y.shape[0]
    out = {}
    delta = cache["a%d" % L] - y
    out["delta%d" % L] = delta
    for l in reversed(range(1, L)):
        a = cache["a%d" % l]
        out["D%d" % l] = np.dot(delta.T, np.c_[np.ones(len(a)), a]) / m
        if l >= 2:
            delta = np.dot(delta, weights[l - 1][:, 1:]) * (a * (1 - a))
            out["delta%d" % l] = delta
    return out


def backward_loop(X, y, weights):
    Deltas = [np.zeros(w.shape) for w in weights]
    for i in range(X.shape[0]):
        acts = [X[i].reshape(-1, 1)]
        for w in weights:
            acts.append(sigmoid(w @ np.r_[np.ones((1, 1)), acts[-1]]))
        d = acts[-1] - y[i].reshape(-1, 1)
        for l in range(len(weights), 0, -1):
            Deltas[l - 1] = Deltas[l - 1] + d @ np.r_[np.ones((1, 1)), acts[l - 1]].T
            if l > 1:
                d = weights[l - 1][:, 1:].T @ d * acts[l - 1] * (1 - acts[l - 1])
    return {"D%d" % (l + 1): Deltas[l] / X.shape[0] for l in range(len(weights))}


def train(X, y, layer_sizes=LAYER_SIZES, alpha=1.0, iterations=20000, seed=0):
    weights = init_weights(layer_sizes, seed)
    losses = []
    for _ in range(iterations):
        cache = forward(X, weights)
        losses.append(cross_entropy(cache["a%d" % len(layer_sizes)], y))
        grads = backward(cache, y, weights)
        new = []
        for l in range(len(weights)):
            new.append(weights[l] - alpha * grads["D%d" % (l + 1)])
        weights = new
    return weights, np.array(losses)


def predict(X, weights):
    out = forward(X, weights)["a%d" % (len(weights) + 1)]
    return np.where(out >= 0.5, 1.0, 0.0)
'''

VARIANTS = {
    "honest_loops": Variant(LOOPS, NETWORK),
    "honest_expit_style": Variant(LOOPS.replace(
        "return 1.0 / (1.0 + np.exp(-z))", "return np.exp(-np.logaddexp(0.0, -z))"), NETWORK),
    "forward_without_bias": Variant(
        LOOPS.replace("with_bias = np.concatenate([np.ones((a.shape[0], 1)), a], axis=1)\n"
                      "        z = with_bias.dot(w.T)", "z = a.dot(w[:, 1:].T)"),
        NETWORK, frozenset({"q3 - 1", "q3 - 2"})),
    "cross_entropy_sum_not_mean": Variant(
        LOOPS.replace("return float(total / m)", "return float(total)"),
        NETWORK, frozenset({"q3 - 1", "q3 - 3"})),
    "backward_without_g_prime": Variant(
        LOOPS.replace(" * (a * (1 - a))", ""),
        NETWORK, frozenset({"q4 - 1", "q4 - 2", "q4 - 4"})),
    # train itself is right: q6 must not lose points for q4's mistake
    "train_right_backward_wrong": Variant(
        LOOPS.replace(" * (a * (1 - a))", ""), ("q6",)),
    "train_loss_after_update": Variant(
        LOOPS.replace('''        cache = forward(X, weights)
        losses.append(cross_entropy(cache["a%d" % len(layer_sizes)], y))
        grads = backward(cache, y, weights)''', '''        cache = forward(X, weights)
        grads = backward(cache, y, weights)'''
        ).replace('''        weights = new
''', '''        weights = new
        losses.append(cross_entropy(forward(X, weights)["a%d" % len(layer_sizes)], y))
'''), ("q6",), frozenset({"q6 - 1", "q6 - 2"})),
}
