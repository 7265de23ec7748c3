OK_FORMAT = True

test = {   'name': 'q5',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import dataclasses\n'
                                               '>>> from hwkit.assignments.a3 import retraining as ar\n'
                                               '>>> _budget = dataclasses.asdict(ar.current_budget())\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> from hwkit.assignments.a3 import retraining as ar\n'
                                               '>>> _dnn_val, _shallow_val = ar.validation_accuracies(build_dnn, make_dnn_optimizer, ar.checked_batch_size(BATCH_SIZE), build_shallow, '
                                               'make_shallow_optimizer, ar.checked_batch_size(SHALLOW_BATCH_SIZE), int(SHALLOW_EPOCHS), ar.Budget(**_budget))\n'
                                               ">>> _phase = 'verdict'\n"
                                               '>>> assert _dnn_val > _shallow_val, f"按评分预算重新训练后，在验证集图片上 DNN（{_dnn_val:.1%}，{len(_budget[\'student_seeds\'])} 个种子的平均）应胜过浅层网络（{_shallow_val:.1%}）：检查 '
                                               "q2-q4 和上面的设置 / retrained under the grading budget, the DNN ({_dnn_val:.1%}, mean of {len(_budget['student_seeds'])} seeds) should beat the shallow net "
                                               '({_shallow_val:.1%}) on the validation images: check q2-q4 and the settings above"\n',
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
