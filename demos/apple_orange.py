"""The textbook's apple & orange shopping graph, backpropagated by the engine.

    python -m demos.apple_orange                     # the price and every gradient
    python -m demos.apple_orange --graph graph.svg   # also draw the graph (.svg or .png)

Two apples at 100 and three oranges at 150, with 10% tax:
all_price = apple * apple_num + orange * orange_num; price = all_price * tax.
"""
import argparse
import sys

from autograd import Tensor, viz


def shop():
    """Forward and backward through the shopping graph; returns its tensors by name."""
    apple = Tensor(100.0, requires_grad=True, name="apple")
    apple_num = Tensor(2.0, requires_grad=True, name="apple_num")
    orange = Tensor(150.0, requires_grad=True, name="orange")
    orange_num = Tensor(3.0, requires_grad=True, name="orange_num")
    tax = Tensor(1.1, requires_grad=True, name="tax")

    apple_price = apple * apple_num
    orange_price = orange * orange_num
    all_price = apple_price + orange_price
    price = all_price * tax
    for t, name in ((apple_price, "apple_price"), (orange_price, "orange_price"),
                    (all_price, "all_price"), (price, "price")):
        t.name = name

    viz.retain_grads(price)             # the intermediates' gradients too, as the textbook prints
    price.backward(retain_graph=True)   # keep the graph so that it can be drawn afterwards
    return {t.name: t for t in (apple, apple_num, orange, orange_num, tax,
                                apple_price, orange_price, all_price, price)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m demos.apple_orange",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--graph", metavar="PATH",
                        help="write the graph picture here: .svg, .png (with Graphviz's dot) or "
                             ".dot (DOT text) (default: not drawn)")
    args = parser.parse_args(argv)

    t = shop()
    print("price:", t["price"].item())
    print("dApple:", t["apple"].grad.item())
    print("dApple_num:", t["apple_num"].grad.item())
    print("dOrange:", t["orange"].grad.item())
    print("dOrange_num:", t["orange_num"].grad.item())
    print("dTax:", t["tax"].grad.item())
    print("dAll_price:", t["all_price"].grad.item())
    print("dApple_price:", t["apple_price"].grad.item())
    print("dOrange_price:", t["orange_price"].grad.item())

    if args.graph:
        try:
            print("graph:", viz.render(t["price"], args.graph))
        except (RuntimeError, ValueError, OSError) as e:  # no dot, a bad format, a missing folder
            sys.exit(f"python -m demos.apple_orange: --graph {args.graph}: {e}")


if __name__ == "__main__":
    main()
