OK_FORMAT = True

test = {   'name': 'q1',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _x = np.random.default_rng(0).uniform(size=(4, 12)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _m = build_shallow(12)\n'
                                               '>>> _out = np.asarray(_m(_x))\n'
                                               '>>> _zeros = [np.zeros_like(_w) for _w in _m.get_weights()]\n'
                                               '>>> _m.set_weights(_zeros[:-1] + [np.full_like(_zeros[-1], 0.7)])\n'
                                               '>>> _at_bias = np.asarray(_m(_x))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (4, 1), f'A3 的形状应为 (N, 1)：每张图片一个概率；你的是 {_out.shape} / A3 must be (N, 1): one probability per image; got {_out.shape}'\n"
                                               ">>> assert np.all((_out > 0) & (_out < 1)), 'A3 必须是 sigmoid 给出的 (0, 1) 之间的概率 / A3 must be a sigmoid probability in (0, 1)'\n"
                                               '>>> assert np.allclose(_at_bias, 1 / (1 + np.exp(-0.7)), atol=1e-05), "所有权重为 0、输出层偏置为 0.7 时，A3 应为 sigmoid(0.7) ≈ 0.668：检查输出层的激活函数 / with every weight '
                                               '0 and the output bias 0.7, A3 must be sigmoid(0.7) ≈ 0.668: check the output layer\'s activation"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
