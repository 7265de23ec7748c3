OK_FORMAT = True

test = {   'name': 'q6',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _d0 = sigmoid_derivative(0.0)\n'
                                               '>>> _d3 = sigmoid_derivative(np.array([-3.0, 3.0]))\n'
                                               '>>> _dmax = SIGMOID_DERIVATIVE_MAX\n'
                                               ">>> _phase = 'verdict'\n"
                                               '>>> assert np.isclose(_d0, _dmax), "sigmoid_derivative(0) 应等于 SIGMOID_DERIVATIVE_MAX，即 g\'(0) = 0.25 / sigmoid_derivative(0) must equal '
                                               'SIGMOID_DERIVATIVE_MAX, i.e. g\'(0) = 0.25"\n'
                                               '>>> assert np.all(_d3 < 0.25), "sigmoid_derivative(±3) 应小于 0.25：g\'(z) = g(z)(1 - g(z)) 只在 z = 0 处取到最大值 0.25 / sigmoid_derivative(±3) must be below '
                                               '0.25: g\'(z) = g(z)(1 - g(z)) peaks at 0.25 only at z = 0"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
