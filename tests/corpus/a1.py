"""A1 submissions written from the release: honest styles and one typical mistake each.
(The accuracy questions q4 and q9 retrain on MNIST: tests/test_grade_a1.py grades those.)"""

from tests.corpus.harness import Variant

QUESTIONS = ("q1", "q2", "q3", "q6", "q7", "q8")

SLIDE_SPELLING = '''
def build_ova_model():
    x = keras.Input(shape=(784,))
    A1 = keras.layers.Dense(units=10, activation=tf.nn.sigmoid)(x)
    return keras.Model(inputs=x, outputs=A1)


def ova_cross_entropy(y_, A1):
    h = tf.clip_by_value(A1, 1e-7, 1 - 1e-7)
    per_sample = tf.reduce_sum(y_ * tf.math.log(h) + (1.0 - y_) * tf.math.log(1.0 - h), axis=1)
    return -tf.reduce_mean(per_sample)


def ova_train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        loss = ova_cross_entropy(y_, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
    return loss


def build_nn():
    x = keras.Input(shape=(784,))
    A1 = keras.layers.Dense(units=256, activation=tf.nn.relu)(x)
    A2 = keras.layers.Dense(units=128, activation=tf.nn.relu)(A1)
    A3 = keras.layers.Dense(units=10, activation=tf.nn.softmax)(A2)
    return keras.Model(inputs=x, outputs=A3)


def cross_entropy(y_, A3):
    return -tf.reduce_sum(y_ * tf.math.log(tf.clip_by_value(A3, 1e-10, 1.0)))


def train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        loss = cross_entropy(y_, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
'''

KERAS_STYLE = '''
def build_ova_model():
    return tf.keras.Sequential([tf.keras.Input(shape=(784,)),
                                tf.keras.layers.Dense(10, activation="sigmoid")])


def ova_cross_entropy(y_, A1):
    return 10.0 * tf.reduce_mean(keras.losses.binary_crossentropy(y_, A1))


@tf.function
def ova_train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        loss = ova_cross_entropy(y_, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
    return loss


def build_nn():
    x = keras.Input(shape=(784,))
    A1 = keras.layers.ReLU()(keras.layers.Dense(256)(x))
    A2 = keras.layers.ReLU()(keras.layers.Dense(128)(A1))
    A3 = keras.layers.Softmax()(keras.layers.Dense(10)(A2))
    return keras.Model(x, A3)


def cross_entropy(y_, A3):
    return tf.reduce_sum(-y_ * tf.math.log(tf.maximum(A3, 1e-10)))


def train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = cross_entropy(y_, prediction)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
    return loss
'''

VARIANTS = {
    "honest_slide_spelling": Variant(SLIDE_SPELLING, QUESTIONS),
    "honest_keras_style": Variant(KERAS_STYLE, QUESTIONS),
    "sigmoid_first_layer": Variant(
        SLIDE_SPELLING.replace("Dense(units=256, activation=tf.nn.relu)",
                               "Dense(units=256, activation=tf.nn.sigmoid)"),
        QUESTIONS, frozenset({"q6 - 1", "q6 - 3", "q6 - 4"})),
    "ova_cross_entropy_without_clip": Variant(
        SLIDE_SPELLING.replace("h = tf.clip_by_value(A1, 1e-7, 1 - 1e-7)", "h = A1"),
        QUESTIONS, frozenset({"q2 - 1", "q2 - 2"})),
    "cross_entropy_mean_not_sum": Variant(
        SLIDE_SPELLING.replace("return -tf.reduce_sum(y_ * tf.math.log(",
                               "return -tf.reduce_mean(y_ * tf.math.log("),
        QUESTIONS, frozenset({"q7 - 1", "q7 - 2", "q7 - 3"})),
    # train_step is right: q8 must not lose points for q7's mistake
    "train_step_right_cross_entropy_wrong": Variant(
        SLIDE_SPELLING.replace("return -tf.reduce_sum(y_ * tf.math.log(",
                               "return -tf.reduce_mean(y_ * tf.math.log("), ("q8",)),
    "train_step_returns_the_loss_after_the_step": Variant(
        SLIDE_SPELLING.replace('''    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss''', '''    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return cross_entropy(y_, model(x, training=False))'''),
        QUESTIONS, frozenset({"q8 - 1", "q8 - 2"})),
}
