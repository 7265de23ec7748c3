OK_FORMAT = True

test = {   'name': 'q3',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> _Xp = np.linspace(-1, 1, 14).reshape(7, 2)\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _c = forward(_Xp, init_weights())\n'
                                               '>>> _J = cross_entropy(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]]))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert isinstance(_c, dict), 'forward 必须返回一个 dict 作为 cache / forward must return a dict cache'\n"
                                               ">>> assert {_k: np.shape(_v) for _k, _v in _c.items()} == {'a1': (7, 2), 'z2': (7, 5), 'a2': (7, 5), 'z3': (7, 3), 'a3': (7, 3), 'z4': (7, 1), 'a4': "
                                               "(7, 1)}, 'cache 的形状应为：a1 (m,2)；z2、a2 (m,5)；z3、a3 (m,3)；z4、a4 (m,1) / cache shapes: a1 (m,2); z2, a2 (m,5); z3, a3 (m,3); z4, a4 (m,1)'\n"
                                               ">>> assert np.isclose(_J, np.log(2)), '输出都为 0.5 时 J 应为 log 2 / J for outputs 0.5 should be log 2'\n"
                                               ">>> assert np.allclose(_c['z2'][0], [1.511164, -2.291995, -0.319548, 1.079957, 1.25899], atol=1e-05), '第一个样本的 z2 不对：z(2) = add_bias_column(a(1)) @ "
                                               "w1.T（偏置列加上了吗？） / z2 of the first sample is off: z(2) = add_bias_column(a(1)) @ w1.T (did you keep the bias column?)'\n"
                                               ">>> assert np.allclose(_c['a4'][:3, 0], [0.555593, 0.555987, 0.556414], atol=1e-05), 'z2 可能是对的，但 a4 不对：每一层都是 a(l+1) = sigmoid(z(l+1))，并且要重新加上偏置列 / a4 "
                                               "is off although z2 may be right: each layer is a(l+1) = sigmoid(z(l+1)) with the bias added again'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
