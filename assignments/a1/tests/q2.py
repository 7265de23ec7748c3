OK_FORMAT = True

test = {   'name': 'q2',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> import tensorflow as tf\n'
                                               '>>> _J = ova_cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.5))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.ndim(_J) == 0, 'ova_cross_entropy must return a scalar'\n"
                                               ">>> assert np.isclose(float(_J), 10 * np.log(2), rtol=1e-05), 'with h = 0.5 everywhere J should be 10 log 2 (ten classifiers, each log 2)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
