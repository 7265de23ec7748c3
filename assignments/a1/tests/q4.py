OK_FORMAT = True

test = {   'name': 'q4',
    'points': None,
    'suites': [   {   'cases': [   {   'code': ">>> _phase = 'probe'\n"
                                               ">>> _val_acc = ova_history['val_acc'][-1]\n"
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _val_acc > 0.85, f'validation accuracy {_val_acc:.1%} is below 85 %: try another OVA_LEARNING_RATE'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
