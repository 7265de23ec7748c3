OK_FORMAT = True

test = {   'name': 'q6',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> _Xp = np.linspace(-1, 1, 14).reshape(7, 2)\n'
                                               '>>> _yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _w, _losses = train(_Xp, _yp, iterations=5)\n'
                                               '>>> _pshape = np.shape(predict(_Xp, _w))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.shape(_losses) == (5,), 'losses must hold one J per iteration'\n"
                                               ">>> assert _pshape == (7, 1), 'predict returns an (m, 1) array of 0/1 labels'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
