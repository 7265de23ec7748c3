OK_FORMAT = True

test = {   'name': 'q1',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> _Xn = mean_normalize(X_raw)\n'
                                               '>>> _shapes = (np.shape(z_score_normalize(X_raw)), np.shape(min_max_normalize(X_raw)))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.shape(_Xn) == (50, 2), 'mean_normalize 必须返回与 X 形状相同的数组 (50, 2) / mean_normalize must return an array shaped like X (50, 2)'\n"
                                               ">>> assert _shapes == ((50, 2), (50, 2)), '每种归一化都不改变形状 (m, n) / every normalisation keeps the shape (m, n)'\n"
                                               ">>> assert np.allclose(_Xn[0], [0.427262, 0.264914], atol=1e-06), '第 1 行应变为 (0.427262, 0.264914)，与课件一致 / row 1 should become (0.427262, 0.264914) as "
                                               "on the slide'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
