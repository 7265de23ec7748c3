OK_FORMAT = True

test = {   'name': 'q2',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> from hwkit.assignments.a3.checks import RELU_FAMILY, described_block_activation, described_chain\n'
                                               ">>> _X = np.random.default_rng(0).normal(size=(5, 6)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import keras\n'
                                               '>>> import numpy as np\n'
                                               '>>> from hwkit.assignments.a3 import checks\n'
                                               '>>> _x = keras.Input(shape=(6,))\n'
                                               ">>> _m = keras.Model(_x, hidden_layer(_x, 4, 'A1'))\n"
                                               '>>> _out = np.asarray(_m(_X, training=True))\n'
                                               '>>> _out_scaled = np.asarray(_m(100 * _X, training=True))\n'
                                               '>>> _desc = checks.describe_model(_m)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (5, 4), f'hidden_layer(x, 4, ...) 的输出应为 (N, 4)，实际是 {_out.shape} / hidden_layer(x, 4, ...) must give (N, 4); got "
                                               "{_out.shape}'\n"
                                               ">>> assert np.all(_out >= -1.0001), '经过 ReLU 家族的激活函数后，不应有远小于 0 的值 / after a ReLU-family activation no value should be far below 0'\n"
                                               '>>> assert np.allclose(_out_scaled, _out, atol=0.01 * (1 + np.abs(_out).max())), "输入放大 100 倍，训练模式下的输出应几乎不变（批归一化按本批的均值和方差归一化）；你的输出跟着变了：Dense 之后是否有 '
                                               "BatchNormalization？/ with the inputs 100 times larger the training-mode output should barely change (batch-norm normalises with the batch's mean and "
                                               'variance); yours changed: is there a BatchNormalization right after the Dense layer?"\n'
                                               '>>> _layers = described_chain(_desc)\n'
                                               ">>> _order = [_l['class'] for _l in _layers]\n"
                                               ">>> assert _order[:2] == ['Dense', 'BatchNormalization'] and _layers[0]['activation'] is None, f'顺序应为 Dense（不带激活函数）-> BatchNormalization -> 激活，你的是 "
                                               "{_order} / the order must be Dense (no activation of its own) -> BatchNormalization -> activation; yours is {_order}'\n"
                                               '>>> _found = described_block_activation(_layers)\n'
                                               ">>> assert _found in RELU_FAMILY, f'隐藏层需要 ReLU 家族的激活函数（relu、LeakyReLU、ELU……），你的是 {_found} / a hidden layer needs a ReLU-family activation (relu, "
                                               "LeakyReLU, ELU, ...); yours is {_found}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
