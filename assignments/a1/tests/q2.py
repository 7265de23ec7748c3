OK_FORMAT = True

test = {   'name': 'q2',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> import tensorflow as tf\n'
                                               '>>> _J = ova_cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.5))\n'
                                               ">>> _J_edge = ova_cross_entropy(tf.constant(one_hot(np.array([3, 7]))), tf.constant(np.eye(2, 10, dtype='float32')))\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.ndim(_J) == 0, 'ova_cross_entropy 必须返回一个标量 / ova_cross_entropy must return a scalar'\n"
                                               ">>> assert np.isclose(float(_J), 10 * np.log(2), rtol=1e-05), 'h 处处为 0.5 时 J 应为 10 log 2（十个分类器，各 log 2）/ with h = 0.5 everywhere J should be 10 log 2 "
                                               "(ten classifiers, each log 2)'\n"
                                               ">>> assert np.isfinite(float(_J_edge)), 'h 恰好为 0 或 1 时 J 变成了 inf/nan：先用 tf.clip_by_value(h, 1e-7, 1 - 1e-7) 截断 / with h exactly 0 or 1 your J is "
                                               "inf/nan: clip first with tf.clip_by_value(h, 1e-7, 1 - 1e-7)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
