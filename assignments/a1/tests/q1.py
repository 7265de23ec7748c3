OK_FORMAT = True

test = {   'name': 'q1',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _m = build_ova_model()\n'
                                               ">>> _out = np.asarray(_m(np.zeros((3, 784), dtype='float32')))\n"
                                               ">>> _m.set_weights([np.zeros_like(_w) for _w in _m.get_weights()[:-1]] + [np.linspace(-2, 2, 10).astype('float32')])\n"
                                               ">>> _at_bias = np.asarray(_m(np.ones((2, 784), dtype='float32')))\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (3, 10), f'A1 的形状应为 (N, 10)，你的是 {_out.shape} / A1 must be (N, 10); got {_out.shape}'\n"
                                               ">>> assert np.all((_out > 0) & (_out < 1)), 'A1 的每个输出都必须是 (0, 1) 之间的概率 / every output of A1 must be a probability in (0, 1)'\n"
                                               ">>> assert np.allclose(_at_bias, 1 / (1 + np.exp(-np.linspace(-2, 2, 10))), atol=1e-05), '权重为 0、偏置为 b 时，A1 应为 sigmoid(b)：每一列各自做 sigmoid（不是 softmax）/ "
                                               "with zero weights and biases b, A1 must be sigmoid(b): a sigmoid per column (not a softmax)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
