"""A3 submissions written from the release: honest styles (any ReLU-family activation with its
own parameters, ``tf.nn.softmax``) and one typical mistake each. (The accuracy questions
retrain on ImageNet-dog: tests/test_grade_a3.py grades those.)"""

from tests.corpus.harness import Variant

QUESTIONS = ("q2", "q3")

LEAKY = '''
def hidden_layer(inputs, units, name, dropout=0.0):
    z = keras.layers.Dense(units, use_bias=False, kernel_initializer="he_uniform",
                           kernel_regularizer=keras.regularizers.l2(L2_LAMBDA))(inputs)
    z = keras.layers.BatchNormalization()(z)
    a = keras.layers.LeakyReLU(negative_slope=0.1, name=name)(z)
    return keras.layers.Dropout(dropout)(a)


def build_dnn(input_dim):
    x = keras.Input(shape=(input_dim,), name="x")
    h = x
    for i, width in enumerate((256, 128, 64, 32), start=1):
        h = hidden_layer(h, units=width, name=f"A{i}", dropout=DROPOUT)
    A5 = tf.keras.layers.Dense(units=2, activation=tf.nn.softmax,
                               kernel_regularizer=keras.regularizers.L2(L2_LAMBDA), name="A5")(h)
    return keras.Model(inputs=x, outputs=A5)
'''

VARIANTS = {
    "honest_leaky_relu_0.1": Variant(LEAKY, QUESTIONS),
    "honest_elu_0.5": Variant(LEAKY.replace("keras.layers.LeakyReLU(negative_slope=0.1, name=name)",
                                            "keras.layers.ELU(alpha=0.5, name=name)"), QUESTIONS),
    "honest_prelu": Variant(LEAKY.replace("keras.layers.LeakyReLU(negative_slope=0.1, name=name)",
                                          "keras.layers.PReLU(name=name)"), QUESTIONS),
    "honest_activation_by_function": Variant(LEAKY.replace(
        "keras.layers.LeakyReLU(negative_slope=0.1, name=name)",
        "keras.layers.Activation(tf.nn.relu, name=name)"), QUESTIONS),
    "dense_with_bias_before_batchnorm": Variant(
        LEAKY.replace("use_bias=False", "use_bias=True"), QUESTIONS,
        frozenset({"q2 - 4", "q3 - 4"})),
    "sigmoid_hidden_layers": Variant(LEAKY.replace(
        "keras.layers.LeakyReLU(negative_slope=0.1, name=name)",
        "keras.layers.Activation('sigmoid', name=name)"), QUESTIONS,
        frozenset({"q2 - 1", "q2 - 4", "q3 - 1", "q3 - 4"})),
    "activation_before_batchnorm": Variant(LEAKY.replace(
        '''use_bias=False, kernel_initializer="he_uniform",''',
        '''use_bias=False, activation="relu", kernel_initializer="he_uniform",''').replace(
        "    a = keras.layers.LeakyReLU(negative_slope=0.1, name=name)(z)\n",
        "    a = keras.layers.Identity(name=name)(z)\n"), QUESTIONS,
        frozenset({"q2 - 1", "q2 - 2", "q2 - 3", "q3 - 3"})),
}
