OK_FORMAT = True

test = {   'name': 'q5',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _same = relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))\n'
                                               '>>> _half = relative_error(np.array([1.0]), np.array([3.0]))\n'
                                               '>>> _shape = np.shape(numerical_gradient(lambda _v: float(np.sum(_v ** 2)), np.ones((2, 3))))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.isclose(_same, 0.0), '两个相同数组的相对误差为 0 / identical arrays have relative error 0'\n"
                                               ">>> assert np.isclose(_half, 0.5), 'relative_error([1], [3]) 应为 |1-3|/(1+3) = 0.5 / relative_error([1], [3]) = |1-3|/(1+3) = 0.5'\n"
                                               ">>> assert _shape == (2, 3), 'numerical_gradient 返回的数组应与 x 形状相同 / numerical_gradient returns an array shaped like x'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
