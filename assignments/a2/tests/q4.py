OK_FORMAT = True

test = {   'name': 'q4',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> _Xp = np.linspace(-1, 1, 14).reshape(7, 2)\n'
                                               '>>> _yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _g = backward(forward(_Xp, init_weights()), _yp, init_weights())\n'
                                               ">>> _shapes = [np.shape(_g[_k]) for _k in ('D1', 'D2', 'D3', 'delta4', 'delta3', 'delta2')]\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _shapes[:3] == [(5, 3), (3, 6), (1, 4)], 'D(l) must have the shape of w(l): (5, 3), (3, 6), (1, 4)'\n"
                                               ">>> assert _shapes[3:] == [(7, 1), (7, 3), (7, 5)], 'delta(l) has one row per sample: (m, 1), (m, 3), (m, 5)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
