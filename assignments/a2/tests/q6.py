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
                                               '>>> _W0 = init_weights(seed=0)\n'
                                               '>>> _cache0 = forward(_Xp, _W0)\n'
                                               ">>> _J0 = cross_entropy(_cache0['a4'], _yp)\n"
                                               '>>> _D = backward(_cache0, _yp, _W0)\n'
                                               '>>> _w1, _l1 = train(_Xp, _yp, alpha=0.5, iterations=1, seed=0)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.shape(_losses) == (5,), 'losses 必须每次迭代记录一个 J / losses must hold one J per iteration'\n"
                                               ">>> assert _pshape == (7, 1), 'predict 返回 (m, 1) 的 0/1 标签数组 / predict returns an (m, 1) array of 0/1 labels'\n"
                                               ">>> assert np.isclose(_l1[0], _J0), 'losses[0] 应是第一次更新之前的 J（先 forward、算 J，再 backward 和更新）/ losses[0] must be J before the first update (forward and J "
                                               "first, then backward and the update)'\n"
                                               ">>> assert all((np.allclose(_g, _w - 0.5 * _D[f'D{_i}']) for _i, (_g, _w) in enumerate(zip(_w1, _W0, strict=True), start=1))), '一次更新应恰好是 w := w - "
                                               'alpha * D（检查符号、alpha，以及 D1/D2/D3 与 w1/w2/w3 的对应）/ one update must be exactly w := w - alpha * D (check the sign, alpha and which D goes with which '
                                               "w)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
