OK_FORMAT = True

test = {   'name': 'q7',
    'points': None,
    'suites': [   {   'cases': [   {   'code': ">>> _phase = 'probe'\n"
                                               '>>> _r = vanishing_gradient_experiment()\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert len(_r) == 5, '每行输入一条记录：共 5 次迭代 / one record per row: 5 iterations'\n"
                                               ">>> assert abs(_r[0]['a6'] - 0.865990147) < 5e-10 and abs(_r[0]['delta6'] + 0.134009853) < 5e-10, '第一次迭代：a6 应为 0.865990147，delta6 应为 -0.134009853 / "
                                               "first iteration: a6 = 0.865990147, delta6 = -0.134009853'\n"
                                               ">>> assert abs(_r[0]['D5'] + 0.1160472) < 5e-08, '第一次迭代：D5 应为 -0.1160472 / first iteration: D5 = -0.1160472'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
