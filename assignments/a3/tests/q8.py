OK_FORMAT = True

test = {   'name': 'q8',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> _inverse, _exponential = (inverse_time_decay(0.1, 1.0, 1), exponential_decay(0.1, 0.5, 2))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.isclose(_inverse, 0.05) and np.isclose(_exponential, 0.025), 'inverse_time_decay(0.1, 1.0, 1) 应为 0.1/(1 + 1.0 * 1) = "
                                               '0.05，exponential_decay(0.1, 0.5, 2) 应为 0.5 ** 2 * 0.1 = 0.025 / inverse_time_decay(0.1, 1.0, 1) must be 0.1/(1 + 1.0 * 1) = 0.05 and '
                                               "exponential_decay(0.1, 0.5, 2) must be 0.5 ** 2 * 0.1 = 0.025'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
