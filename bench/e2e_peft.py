#!/usr/bin/env python3
"""The end-to-end peer of `tamga train`: what a user would run in Python, transformers + PEFT fine-tuning LoRA for
UDPOS token classification on the same model folder, the same data and the same number of steps. Prints one JSON
line: tokens/s of the training steps (real tokens, padding excluded, as tamga counts them), seconds, peak RSS.

  e2e_peft.py --model DIR --data ROOT [--lang en] [--steps 10] [--batch 16] [--max-len 128] [--max-train 2000]
              [--r 8] [--alpha 16] [--targets query,value] [--lr 5e-4] [--threads 2] [--seed 1]

The model folder is tamga's as well: config.json + model.safetensors + sentencepiece.bpe.model (XLM-R ids, read by
XLMRobertaTokenizerFast). Words are tokenized one by one (XTREME's word-level tokenization, as tamga does), the
label sits on the first sub-word, <s> ... </s> around them, cut at --max-len. Batches of --batch sentences in a
seeded random order, padded to the longest; AdamW on the LoRA weights and the classifier (PEFT's TOKEN_CLS task
keeps the classifier trainable, as tamga's head is).
"""
import argparse, glob, json, os, random, resource, sys, time


def read_conllu(path):
    sents, words, tags = [], [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if words:
                sents.append((words, tags))
            words, tags = [], []
        elif not line.startswith("#"):
            c = line.split("\t")
            if len(c) > 3 and c[0].isdigit():
                words.append(c[1])
                tags.append(c[3])
    if words:
        sents.append((words, tags))
    return sents


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--max-train", type=int, default=2000)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--targets", default="query,value")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    import torch
    import transformers
    import peft
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    transformers.logging.set_verbosity_error()
    files = sorted(f for f in glob.glob(os.path.join(a.data, "udpos", a.lang, "*-ud-train.conllu")))
    sents = [s for f in files for s in read_conllu(f)]
    tagset = sorted({t for _, ts in sents for t in ts})
    rng = random.Random(a.seed)
    rng.shuffle(sents)
    sents = sents[:a.max_train]
    tok = transformers.XLMRobertaTokenizerFast(vocab_file=os.path.join(a.model, "sentencepiece.bpe.model"),
                                               from_slow=True)
    examples = []
    for words, tags in sents:
        enc = tok(words, is_split_into_words=True, add_special_tokens=True, truncation=True, max_length=a.max_len)
        labels, prev = [], None
        for w in enc.word_ids():
            labels.append(-100 if w is None or w == prev else tagset.index(tags[w]))
            prev = w
        examples.append((enc["input_ids"], labels))
    model = transformers.AutoModelForTokenClassification.from_pretrained(a.model, num_labels=len(tagset))
    cfg = peft.LoraConfig(task_type=peft.TaskType.TOKEN_CLS, r=a.r, lora_alpha=a.alpha, lora_dropout=0.0,
                          target_modules=a.targets.split(","))
    model = peft.get_peft_model(model, cfg)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=a.lr, weight_decay=0.01)
    order = list(range(len(examples)))
    rng.shuffle(order)
    pad = tok.pad_token_id
    tokens, t_train, losses = 0, 0.0, []
    for step in range(a.steps):
        idx = [order[(step * a.batch + i) % len(order)] for i in range(a.batch)]
        T = max(len(examples[i][0]) for i in idx)
        ids = torch.full((a.batch, T), pad, dtype=torch.long)
        lab = torch.full((a.batch, T), -100, dtype=torch.long)
        mask = torch.zeros((a.batch, T), dtype=torch.long)
        for k, i in enumerate(idx):
            n = len(examples[i][0])
            ids[k, :n] = torch.tensor(examples[i][0])
            lab[k, :n] = torch.tensor(examples[i][1])
            mask[k, :n] = 1
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = model(input_ids=ids, attention_mask=mask, labels=lab).loss
        loss.backward()
        opt.step()
        t_train += time.perf_counter() - t0
        tokens += int(mask.sum())
        losses.append(float(loss))
    print(json.dumps({"peer": "transformers+peft", "torch": torch.__version__, "transformers": transformers.__version__,
                      "peft": peft.__version__, "steps": a.steps, "batch": a.batch, "tokens": tokens,
                      "seconds": round(t_train, 3), "tokens_per_s": round(tokens / t_train, 1),
                      "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4),
                      "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    sys.exit(main())
