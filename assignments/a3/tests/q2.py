OK_FORMAT = True

test = {   'name': 'q2',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _X = np.random.default_rng(0).normal(size=(5, 6)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import keras\n'
                                               '>>> import numpy as np\n'
                                               '>>> _x = keras.Input(shape=(6,))\n'
                                               ">>> _m = keras.Model(_x, hidden_layer(_x, 4, 'A1'))\n"
                                               '>>> _out = np.asarray(_m(_X, training=True))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (5, 4), f'hidden_layer(x, 4, ...) must give (N, 4); got {_out.shape}'\n"
                                               ">>> assert np.all(_out >= -1.0001), 'after a ReLU-family activation no value should be far below 0'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
