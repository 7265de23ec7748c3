OK_FORMAT = True

test = {   'name': 'q9',
    'points': None,
    'suites': [   {   'cases': [   {   'code': ">>> _phase = 'probe'\n"
                                               ">>> _val_acc = nn_history['val_acc'][-1]\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _val_acc > 0.9, f'validation accuracy {_val_acc:.1%} is below 90 %: try another LEARNING_RATE'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
