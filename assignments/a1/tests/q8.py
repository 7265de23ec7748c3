OK_FORMAT = True

test = {   'name': 'q8',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import keras\n'
                                               '>>> import tensorflow as tf\n'
                                               '>>> _m = build_nn()\n'
                                               '>>> _before = [_w.copy() for _w in _m.get_weights()]\n'
                                               '>>> _J_before = float(cross_entropy(tf.constant(Y_train[:8]), _m(tf.constant(X_train[:8]))))\n'
                                               '>>> _loss = train_step(_m, keras.optimizers.SGD(learning_rate=0.001), tf.constant(X_train[:8]), tf.constant(Y_train[:8]))\n'
                                               '>>> _after = _m.get_weights()\n'
                                               ">>> _phase = 'verdict'\n"
                                               '>>> assert np.ndim(_loss) == 0, "train_step 必须返回这一批的损失（标量）/ train_step must return the batch\'s loss, a scalar"\n'
                                               ">>> assert any((not np.allclose(_a, _b) for _a, _b in zip(_before, _after, strict=True))), 'train_step 必须更新权重 / train_step must change the weights'\n"
                                               ">>> assert np.isclose(float(_loss), _J_before, rtol=0.0001), 'train_step 应返回这一步之前的损失（在 apply_gradients 之前算出的那个）/ train_step must return the loss "
                                               "before the step (the one computed before apply_gradients)'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
