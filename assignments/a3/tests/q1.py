OK_FORMAT = True

test = {   'name': 'q1',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _x = np.random.default_rng(0).uniform(size=(4, 12)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _out = np.asarray(build_shallow(12)(_x))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (4, 1), f'A3 的形状应为 (N, 1)：每张图片一个概率；你的是 {_out.shape} / A3 must be (N, 1): one probability per image; got {_out.shape}'\n"
                                               ">>> assert np.all((_out > 0) & (_out < 1)), 'A3 必须是 sigmoid 给出的 (0, 1) 之间的概率 / A3 must be a sigmoid probability in (0, 1)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
