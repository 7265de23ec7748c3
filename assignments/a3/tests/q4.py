OK_FORMAT = True

test = {   'name': 'q4',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> _s = make_lr_schedule(0.1, 34)\n'
                                               '>>> _lr0, _lr34 = (float(_s(0)), float(_s(34)))\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert np.isclose(_lr0, 0.1), '第 0 步的学习率应等于初始学习率 / at step 0 the rate is the initial rate'\n"
                                               ">>> assert np.isclose(_lr34, 0.098, rtol=1e-05), '一个 epoch（34 步）之后学习率应为 0.1 * 0.98 / after one epoch (34 steps) it is 0.1 * 0.98'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
