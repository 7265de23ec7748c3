OK_FORMAT = True

test = {   'name': 'q2',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _shape = np.shape(sigmoid(np.zeros((2, 3))))\n'
                                               '>>> _at0 = sigmoid(0.0)\n'
                                               ">>> _phase = 'verdict'\n"
                                               '>>> assert _shape == (2, 3), "sigmoid 必须保持输入的形状 / sigmoid must keep the input\'s shape"\n'
                                               ">>> assert np.allclose(_at0, 0.5), 'sigmoid(0) 应为 0.5 / sigmoid(0) should be 0.5'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1},
                                   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _shape = np.shape(sigmoid_gradient(np.zeros(4)))\n'
                                               '>>> _at0 = sigmoid_gradient(0.0)\n'
                                               ">>> _phase = 'verdict'\n"
                                               '>>> assert _shape == (4,), "sigmoid_gradient 必须保持输入的形状 / sigmoid_gradient must keep the input\'s shape"\n'
                                               '>>> assert np.allclose(_at0, 0.25), "g\'(0) 应为 0.25 / g\'(0) should be 0.25"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
