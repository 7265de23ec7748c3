OK_FORMAT = True

test = {   'name': 'q7',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> import tensorflow as tf\n'
                                               '>>> _J = cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.1))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.ndim(_J) == 0, 'cross_entropy must return a scalar'\n"
                                               ">>> assert np.isclose(float(_J), 2 * np.log(10), rtol=1e-05), 'two samples with A3 = 0.1 everywhere: the sum is 2 log 10'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
