OK_FORMAT = True

test = {   'name': 'q3',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _x = np.random.default_rng(0).uniform(size=(4, 12)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _out = np.asarray(build_dnn(12)(_x))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (4, 2), f'A4 must be (N, 2); got {_out.shape}'\n"
                                               ">>> assert np.allclose(_out.sum(axis=1), 1, atol=0.0001), 'each row of A4 must be a softmax distribution'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
