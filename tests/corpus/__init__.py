"""A corpus of submissions written the way different students would write them, from the
release alone: honest variants (loops, ``keras.Sequential``, ``tf.keras`` spellings,
``tf.nn``/``keras.losses`` functions, float64, parametrised activations) and one-mistake
variants, each with the cases it must fail (``harness.Variant``). ``tests/test_corpus.py``
runs every case of the questions a variant covers, in-process (``hwkit.testkit``), and asserts
the outcome case by case."""
