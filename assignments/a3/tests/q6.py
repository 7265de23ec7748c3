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
                                               '>>> assert np.isclose(_d0, _dmax), "g\'(0) = 0.25"\n'
                                               '>>> assert np.all(_d3 < 0.25)\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
