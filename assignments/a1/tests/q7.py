OK_FORMAT = True

test = {   'name': 'q7',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> import tensorflow as tf\n'
                                               '>>> _J = cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.1))\n'
                                               ">>> _J_edge = cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.constant(np.eye(2, 10, dtype='float32')))\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.ndim(_J) == 0, 'cross_entropy 必须返回一个标量 / cross_entropy must return a scalar'\n"
                                               ">>> assert np.isclose(float(_J), 2 * np.log(10), rtol=1e-05), '两个样本、A3 处处为 0.1：求和应为 2 log 10（是求和，不是平均）/ two samples with A3 = 0.1 everywhere: the sum "
                                               "is 2 log 10 (a sum, not a mean)'\n"
                                               ">>> assert np.isfinite(float(_J_edge)), 'A3 里有 0 时 J 变成了 inf/nan：先用 tf.clip_by_value(A3, 1e-10, 1.0) 截断 / with zeros in A3 your J is inf/nan: clip "
                                               "first with tf.clip_by_value(A3, 1e-10, 1.0)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
