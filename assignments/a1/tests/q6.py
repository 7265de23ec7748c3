OK_FORMAT = True

test = {   'name': 'q6',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> from hwkit.models import dense_activations\n'
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> from hwkit.kernel.describe import describe_network\n'
                                               '>>> _m = build_nn()\n'
                                               ">>> _out = np.asarray(_m(np.random.default_rng(0).uniform(size=(3, 784)).astype('float32')))\n"
                                               '>>> _desc = describe_network(_m, weights=False)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (3, 10), f'A3 的形状应为 (N, 10)，你的是 {_out.shape} / A3 must be (N, 10); got {_out.shape}'\n"
                                               ">>> assert np.allclose(_out.sum(axis=1), 1, atol=0.0001), 'A3 的每一行都必须是一个概率分布（softmax） / each row of A3 must be a probability distribution (softmax)'\n"
                                               '>>> _acts = dense_activations(_desc)\n'
                                               ">>> assert _acts[:2] == ['relu', 'relu'], f'A1 和 A2 必须用 ReLU 激活函数（与课件一致），你用的是 {_acts[:2]} / A1 and A2 must apply ReLU (as on the slide); yours apply "
                                               "{_acts[:2]}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
