"""Command-line demos (python -m demos.NAME): train_mnist (the main job), train_convnet (chapter 7),
chapter6 (its comparisons), train_seq2seq (book 2), apple_orange, gradient_check; what they share on
the command line is demos.cli."""
import os

# One BLAS thread unless told otherwise (set OPENBLAS_NUM_THREADS): at these sizes a second
# thread gains little, and on a busy 2-core machine two BLAS threads fighting another process
# make training many times slower. Set here, before any demo loads NumPy (effective only then,
# as under `python -m`).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
