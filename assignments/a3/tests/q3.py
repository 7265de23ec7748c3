OK_FORMAT = True

test = {   'name': 'q3',
    'points': None,
    'suites': [   {   'cases': [   {   'code': '>>> import numpy as np\n'
                                               '>>> from hwkit.assignments.a3.checks import RELU_FAMILY, described_block_activation, described_blocks\n'
                                               ">>> _x = np.random.default_rng(0).uniform(size=(4, 12)).astype('float32')\n"
                                               ">>> _phase = 'probe'\n"
                                               '>>> import numpy as np\n'
                                               '>>> from hwkit.assignments.a3 import checks\n'
                                               '>>> _m = build_dnn(12)\n'
                                               '>>> _out = np.asarray(_m(_x))\n'
                                               '>>> _desc = checks.describe_model(_m)\n'
                                               ">>> _phase = 'verdict'\n"
                                               ">>> assert _out.shape == (4, 2), f'A4 应为 (N, 2)，实际是 {_out.shape} / A4 must be (N, 2); got {_out.shape}'\n"
                                               ">>> assert np.allclose(_out.sum(axis=1), 1, atol=0.0001), 'A4 的每一行都必须是 softmax 分布（和为 1）/ each row of A4 must be a softmax distribution'\n"
                                               '>>> _blocks, _ = described_blocks(_desc)\n'
                                               '>>> _found = [described_block_activation(_b) for _b in _blocks]\n'
                                               ">>> assert all((_a in RELU_FAMILY for _a in _found)), f'每个隐藏层都需要 ReLU 家族的激活函数，你的是 {_found} / every hidden layer needs a ReLU-family activation; yours "
                                               "are {_found}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 1}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
