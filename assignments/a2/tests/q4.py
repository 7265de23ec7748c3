OK_FORMAT = True

test = {   'name': 'q4',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> _Xp = np.linspace(-1, 1, 14).reshape(7, 2)\n'
                                               '>>> _yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])\n'
                                               ">>> _a = {'a1': _Xp, 'a2': np.linspace(0.1, 0.9, 35).reshape(7, 5), 'a3': np.linspace(0.2, 0.8, 21).reshape(7, 3), 'a4': np.linspace(0.3, 0.7, "
                                               '7).reshape(7, 1)}\n'
                                               ">>> _cache = dict(_a, **{f'z{_l}': np.log(_a[f'a{_l}'] / (1 - _a[f'a{_l}'])) for _l in (2, 3, 4)})\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _g = backward(_cache, _yp, init_weights())\n'
                                               ">>> _shapes = [np.shape(_g[_k]) for _k in ('D1', 'D2', 'D3', 'delta4', 'delta3', 'delta2')]\n"
                                               ">>> _D1_row, _D3_row = (np.asarray(_g['D1'])[0], np.asarray(_g['D3'])[0])\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _shapes[:3] == [(5, 3), (3, 6), (1, 4)], 'D(l) 的形状必须与 w(l) 相同：(5, 3)、(3, 6)、(1, 4) / D(l) must have the shape of w(l): (5, 3), (3, 6), (1, "
                                               "4)'\n"
                                               ">>> assert _shapes[3:] == [(7, 1), (7, 3), (7, 5)], 'delta(l) 每个样本占一行：(m, 1)、(m, 3)、(m, 5) / delta(l) has one row per sample: (m, 1), (m, 3), (m, 5)'\n"
                                               ">>> assert np.allclose(_D3_row, [-0.07142857, -0.03528571, -0.03742857, -0.03957143], rtol=0.0001, atol=1e-09), 'D3 不对：delta4 = a4 - y，D3 = delta4.T @ "
                                               "add_bias_column(a3) / m / D3 is off: delta4 = a4 - y, D3 = delta4.T @ add_bias_column(a3) / m'\n"
                                               '>>> assert np.allclose(_D1_row, [0.0004555829, -0.0001164754, -4.638569e-05], rtol=0.0001, atol=1e-09), "D3 对了，但 D1 不对：delta(l) = (delta(l+1) @ '
                                               "w(l)[:, 1:]) * a(l) * (1 - a(l))——乘上 g'(z) = a(1 - a) 了吗？偏置那一列去掉了吗？/ D3 is right but D1 is off: delta(l) = (delta(l+1) @ w(l)[:, 1:]) * a(l) * (1 - "
                                               'a(l)) — did you multiply by g\'(z) = a(1 - a), and drop the bias column of w(l)?"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
