OK_FORMAT = True

test = {   'name': 'q5',
    'points': None,
    'suites': [   {   'cases': [   {   'code': ">>> _phase = 'probe'\n"
                                               '>>> _dnn_val, _shallow_val = (dnn_val, shallow_val)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _dnn_val > _shallow_val, f'在验证集图片上，DNN（{_dnn_val:.1%}）应胜过浅层网络（{_shallow_val:.1%}）：检查 q2-q4 和上面的设置 / the DNN ({_dnn_val:.1%}) should beat "
                                               "the shallow net ({_shallow_val:.1%}) on the validation images: check q2-q4 and the settings above'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
