OK_FORMAT = True

test = {   'name': 'q4',
    'points': None,
    'suites': [   {   'cases': [   {   'code': ">>> _phase = 'probe'\n"
                                               '>>> from hwkit.assignments.a1.budget import budget_for\n'
                                               '>>> from hwkit.assignments.a1.training import validation_accuracy\n'
                                               ">>> _b = budget_for('ova', mnist.kind)\n"
                                               '>>> _val_acc = validation_accuracy(build_ova_model, ova_train_step, ova_optimizer, _b.seed, _b.epochs, _b.batch_size)\n'
                                               '>>> _bar, _epochs = (_b.threshold, _b.epochs)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _val_acc >= _bar, f'按评分预算重新训练（固定种子、{_epochs} 个 epoch）后，验证集准确率 {_val_acc:.1%} 低于 {_bar:.0%}：检查 q1-q3，或换一个 OVA_LEARNING_RATE / retrained "
                                               'under the grading budget (fixed seed, {_epochs} epochs) your validation accuracy {_val_acc:.1%} is below {_bar:.0%}: check q1-q3 or try another '
                                               "OVA_LEARNING_RATE'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
