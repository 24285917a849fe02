"""Chapter 7's main job: train the book's SimpleConvNet on MNIST or Fashion-MNIST.

    python -m demos.train_convnet --dataset fashion-mnist   # real data found offline (Debian package)
    python -m demos.train_convnet --epochs 1 --max-train 5000 --plot curves.png --save convnet.npz

Defaults are the book's (ch07/train_convnet.py): conv 30 filters 5x5 - relu - pool 2x2 - affine
100 - relu - affine 10, Adam with lr 0.001, batch 100, 20 epochs, minibatches drawn with
np.random.choice; each epoch's train and test accuracy is measured on the first --eval-samples
images (the book's 1000), the final test accuracy on the whole test set. A data folder holding
only the t10k files is split 8,000 / 2,000 (the run says so).
"""
import argparse
import sys
import time

import numpy as np

import nn
from demos.cli import check_output_paths, load_images, on, plot_curves, positive, progress
from nn.datasets import DatasetError

OPTIMIZERS = {"sgd": nn.optim.SGD, "momentum": nn.optim.Momentum, "nesterov": nn.optim.Nesterov,
              "adagrad": nn.optim.AdaGrad, "rmsprop": nn.optim.RMSprop, "adam": nn.optim.Adam}


def parse_args(argv=None, prog="python -m demos.train_convnet"):
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--data-dir", default=None, help="folder holding the *-ubyte.gz files (default: search)")
    p.add_argument("--epochs", type=positive(int), default=20)
    p.add_argument("--batch-size", type=positive(int), default=100)
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    p.add_argument("--lr", type=positive(float), default=0.001)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--max-train", type=positive(int), default=None, metavar="N",
                   help="train on the first N training images only (default: all)")
    p.add_argument("--eval-samples", type=positive(int), default=1000, metavar="N",
                   help="images of each set scored after every epoch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="where the network trains: cuda needs CuPy and a GPU")
    p.add_argument("--plot", metavar="PATH", help="write a PNG of the loss and accuracy curves")
    p.add_argument("--save", metavar="PATH", help="write the trained parameters to an .npz")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    check_output_paths(args.plot, args.save)
    dtype = np.dtype(args.dtype)
    (x_train, t_train), (x_test, t_test), where = load_images(args.dataset, args.data_dir, dtype)
    if args.max_train:
        x_train, t_train = x_train[:args.max_train], t_train[:args.max_train]
    np.random.seed(args.seed)
    net = nn.SimpleConvNet(input_dim=x_train.shape[1:], dtype=dtype).to(args.device)
    opt = OPTIMIZERS[args.optimizer](net.parameters(), lr=args.lr)
    train_size = len(x_train)
    iter_per_epoch = max(train_size // args.batch_size, 1)
    steps = args.epochs * iter_per_epoch
    k = args.eval_samples
    # the datasets stay NumPy: the steps move their batches, the evaluation its sets (once)
    train_eval, test_eval = on(args.device, x_train[:k], t_train[:k]), on(args.device, x_test, t_test)
    print(f"{args.dataset} from {where}: {train_size} training and {len(x_test)} test images; SimpleConvNet "
          f"(conv 30x5x5 - pool - 100 - 10), batch {args.batch_size}, {args.optimizer} lr {args.lr}, {dtype}, "
          f"{args.epochs} epochs of {iter_per_epoch} steps on {args.device}")
    losses, train_acc, test_acc = [], [], []
    bar = progress(steps, args.quiet)
    start, eval_s, done = time.perf_counter(), 0.0, 0
    try:
        for i in range(steps):
            batch_mask = np.random.choice(train_size, args.batch_size)
            loss = net.loss_tensor(*on(args.device, x_train[batch_mask], t_train[batch_mask]), train_flg=True)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            done = i + 1
            bar.update()
            if done % iter_per_epoch == 0:
                t0 = time.perf_counter()
                train_acc.append(net.accuracy(*train_eval))
                test_acc.append(net.accuracy(test_eval[0][:k], test_eval[1][:k]))
                eval_s += time.perf_counter() - t0
                bar.write(f"epoch {done // iter_per_epoch:2d}  loss {losses[-1]:.4f}  train acc {train_acc[-1]:.4f}  "
                          f"test acc {test_acc[-1]:.4f}  (first {k} images)")
    except KeyboardInterrupt:
        bar.write(f"interrupted after {done} of {steps} steps")
    train_s = time.perf_counter() - start - eval_s
    bar.close()
    final = net.accuracy(*test_eval)
    wall = time.perf_counter() - start
    print(f"final: test acc {final:.4f} on all {len(x_test)} test images; {done} steps in {wall:.1f} s "
          f"with evaluation ({done / train_s:.2f} steps/s in the {train_s:.1f} s of training)")
    if args.plot and train_acc:
        plot_curves(args.plot, losses, train_acc, test_acc)
    if args.save:
        net.save_params(args.save)
        print(f"parameters written to {args.save}")
    return {"test_acc": final, "train_acc": train_acc, "epoch_test_acc": test_acc, "steps": done,
            "wall_s": wall, "eval_s": eval_s}


if __name__ == "__main__":
    try:
        main()
    except DatasetError as e:
        sys.exit(f"train_convnet: {e}")
