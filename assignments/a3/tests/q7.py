OK_FORMAT = True

test = {   'name': 'q7',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> _Z = np.random.default_rng(1).normal(5, 3, size=(64, 3))\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _out = batchnorm_forward(_Z, np.ones(3), np.zeros(3))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (64, 3), 'batchnorm_forward 的输出必须与 Z 形状相同 (m, n) = (64, 3)：逐列归一化，不要改变形状 / batchnorm_forward must return an array shaped like "
                                               "Z, (m, n) = (64, 3): normalise each column, keep the shape'\n"
                                               ">>> assert np.allclose(_out.mean(axis=0), 0, atol=1e-06) and np.allclose(_out.std(axis=0), 1, atol=0.01), 'gamma = 1、beta = 0 时，每一列的均值应为 0、标准差约为 1 / "
                                               "with gamma = 1, beta = 0 every column has mean 0 and sd about 1'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
