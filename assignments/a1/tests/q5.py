OK_FORMAT = True

test = {   'name': 'q5',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _acc = per_digit_binary_accuracy(np.full((4, 10), 0.1), np.array([0, 1, 2, 3]))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.shape(_acc) == (10,), 'per_digit_binary_accuracy 必须返回 10 个值 / per_digit_binary_accuracy must return 10 values'\n"
                                               '>>> assert np.allclose(_acc, [0.75, 0.75, 0.75, 0.75, 1, 1, 1, 1, 1, 1]), "总是回答“不是”的分类器，在所有不是它那个数字的样本上都是对的 / a classifier that always says \'no\' is '
                                               'right on every sample that is not its digit"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
