"""A seq2seq training step: book 2's PeekySeq2seq on the addition set (wordvec 16, hidden 128,
batch 128, Adam lr 0.001, clipping at 5.0, reversed questions), the engine beside PyTorch CPU when
it is installed (the same model: nn.Embedding, nn.LSTM, nn.Linear, the peeky concatenations), with
one BLAS / torch thread. Time per step (medians over rounds, contenders in alternation) and the
time of an epoch of 351 steps that it makes.

    python -m benchmarks.sequence --rounds 3 --steps 20
"""
import argparse

import numpy as np

from .common import blas_limit, emit, median, threadpool_limits
from .step import have_torch, time_steps

WORDVEC, HIDDEN, BATCH = 16, 128, 128
EPOCH_STEPS = 45000 // BATCH
N_BATCHES = 4


def batches():
    from nn.datasets import sequence
    (x, t), _ = sequence.load_data("addition.txt", seed=1984)
    x = x[:, ::-1].copy()
    return [(x[i * BATCH:(i + 1) * BATCH], t[i * BATCH:(i + 1) * BATCH]) for i in range(N_BATCHES)], \
        len(sequence.get_vocab()[0])


def engine_step():
    import nn
    from nn.textbook2 import Adam, clip_grads
    data, vocab = batches()
    np.random.seed(0)
    model, optimizer = nn.PeekySeq2seq(vocab, WORDVEC, HIDDEN), Adam(0.001)
    state = {"i": 0}

    def step():
        x, t = data[state["i"] % N_BATCHES]
        state["i"] += 1
        model.forward(x, t)
        model.backward()
        clip_grads(model.grads, 5.0)
        optimizer.update(model.params, model.grads)
    return step


def torch_step():
    import torch
    torch.set_num_threads(1)
    data, vocab = batches()
    data = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in data]
    torch.manual_seed(0)

    class Peeky(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc_embed, self.dec_embed = torch.nn.Embedding(vocab, WORDVEC), torch.nn.Embedding(vocab, WORDVEC)
            self.encoder = torch.nn.LSTM(WORDVEC, HIDDEN, batch_first=True)
            self.decoder = torch.nn.LSTM(HIDDEN + WORDVEC, HIDDEN, batch_first=True)
            self.affine = torch.nn.Linear(2 * HIDDEN, vocab)

        def forward(self, xs, ts):
            _, (h, c) = self.encoder(self.enc_embed(xs))
            dec_in, dec_t = ts[:, :-1], ts[:, 1:]
            peek = h[0][:, None, :].expand(-1, dec_in.shape[1], -1)
            hs, _ = self.decoder(torch.cat([peek, self.dec_embed(dec_in)], dim=2), (h, torch.zeros_like(c)))
            scores = self.affine(torch.cat([peek, hs], dim=2))
            return torch.nn.functional.cross_entropy(scores.reshape(-1, vocab), dec_t.reshape(-1))

    model = Peeky()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    state = {"i": 0}

    def step():
        x, t = data[state["i"] % N_BATCHES]
        state["i"] += 1
        optimizer.zero_grad()
        model(x, t).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
    return step


def bench_sequence(rounds, steps, skip=()):
    contenders = [("engine_1thread", engine_step)]
    if have_torch() and "torch_1thread" not in skip:
        contenders.append(("torch_1thread", torch_step))
    made = {label: make() for label, make in contenders}
    samples = {label: [] for label in made}
    one_thread = 1 if threadpool_limits is not None else None  # else the caller's BLAS setting
    for r in range(rounds):
        start = r % len(contenders)
        for label, _ in contenders[start:] + contenders[:start]:
            with blas_limit(one_thread):
                made[label]()  # one untimed step after the switch
                samples[label].append(time_steps(made[label], steps))
    out = {label: {"median_ms": median(s) * 1e3, "min_ms": min(s) * 1e3, "epoch_s": median(s) * EPOCH_STEPS,
                   "samples_ms": [x * 1e3 for x in s]} for label, s in samples.items()}
    if "torch_1thread" in out:
        out["engine_1thread"]["ratio_to_torch"] = out["engine_1thread"]["median_ms"] / out["torch_1thread"]["median_ms"]
    return {"model": f"PeekySeq2seq wordvec {WORDVEC}, hidden {HIDDEN}, batch {BATCH}, Adam, clip 5.0, "
                     f"addition (7 -> 5 characters); epoch = {EPOCH_STEPS} steps",
            "one_thread_by": "threadpoolctl" if one_thread else "the environment (OPENBLAS_NUM_THREADS)",
            "steps_per_sample": steps, "contenders": out}


def print_sequence(r):
    print(r["model"])
    print(f"{'contender':16s} {'median ms':>10s} {'min ms':>8s} {'s/epoch':>8s}")
    for label, v in r["contenders"].items():
        print(f"{label:16s} {v['median_ms']:10.1f} {v['min_ms']:8.1f} {v['epoch_s']:8.1f}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.sequence", description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=20, help="steps per sample")
    p.add_argument("--skip", default="", help="contenders to leave out, comma-separated (torch_1thread)")
    args = p.parse_args(argv)
    r = bench_sequence(args.rounds, args.steps, tuple(args.skip.split(",")))
    print_sequence(r)
    emit(r)


if __name__ == "__main__":
    main()
