"""KVzip and CCM on a model split across devices (`dataopt.llm.split_model`, the layout `load_llm(device_map=...)` gives
an 8B model on several GPUs) agree with the same model on one device.

On a CPU-only machine the split is two CPU stages behind accelerate's hooks (the code path, not a second device); where
CUDA is present the first half also runs on the GPU and the second on the CPU, so half of the layers' KV caches live on
another device than the scores, masks and ⟨COMP⟩ layout built on the first."""
import copy, tempfile
from types import SimpleNamespace
import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from dataopt.llm import split_model
from dataopt.kvzip import KVzipPress, SnapKVPress
from dataopt.ccm import CCM

SPLITS = [("cpu", "cpu")] + ([("cuda:0", "cpu")] if torch.cuda.is_available() else [])


class ByteTokenizer:
    "Enough of a tokenizer for KVzip's repeat prompt: one id per byte."
    def __call__(self, text, add_special_tokens=False): return SimpleNamespace(input_ids=[3 + b % 290 for b in text.encode()])
    def decode(self, ids): return "".join(chr(97 + (int(i) - 3) % 26) for i in ids)


def tiny_llama(seed=0):
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
                      num_key_value_heads=2, max_position_embeddings=1024)
    return LlamaForCausalLM(cfg).eval()


def split_copy(model, devices):
    return split_model(copy.deepcopy(model), devices)


@pytest.mark.parametrize("devices", SPLITS, ids="+".join)
def test_kvzip_on_split_model(devices):
    base = tiny_llama()
    split = split_copy(base, devices)
    torch.manual_seed(1); ctx = torch.randint(3, 300, (120,))
    out = {}
    for name, m in (("one device", base), ("split", split)):
        press = KVzipPress(0.4, chunk=48)
        cc = press.compress(m, ctx, protect=4, tokenizer=ByteTokenizer())
        assert {str(lay.keys.device) for lay in cc.cache.layers} == {str(torch.device(d)) for d in (devices if m is split else ("cpu",))}
        ev = cc.evict()
        out[name] = dict(scores=cc.scores.float().cpu(), keep={l: k.cpu() for l, k in cc.keep.items()},
                         devices={str(lay.keys.device) for lay in ev.cache.layers},
                         masked=cc.generate([5, 6, 7], max_new_tokens=6), evicted=ev.generate([5, 6, 7], max_new_tokens=6),
                         fraction=ev.kv_fraction(),
                         snap=SnapKVPress(0.4).compress(m, ctx, protect=4).scores.float().cpu())
    a, b = out["one device"], out["split"]
    torch.testing.assert_close(b["scores"], a["scores"], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(b["snap"], a["snap"], rtol=1e-4, atol=1e-5)
    assert all(torch.equal(a["keep"][l], b["keep"][l]) for l in a["keep"])
    assert a["masked"] == b["masked"] and a["evicted"] == b["evicted"] and a["fraction"] == pytest.approx(b["fraction"])
    assert b["devices"] == {str(torch.device(d)) for d in devices}      # on a GPU + CPU split the cache spans both


@pytest.mark.parametrize("devices", SPLITS, ids="+".join)
def test_ccm_session_on_split_model(devices):
    base = tiny_llama()
    split = split_copy(base, devices)
    ccms = {"one device": CCM(base, n_comp=2, mode="concat").eval(), "split": CCM(split, n_comp=2, mode="concat").eval()}
    with torch.no_grad():      # the same non-zero adapters in both (initialisers draw from a device's own generator)
        g = torch.Generator().manual_seed(2)
        for a, b in zip(ccms["one device"].adapters, ccms["split"].adapters):
            a.lora_B.copy_(torch.randn(a.lora_B.shape, generator=g) * 0.05); b.lora_A.copy_(a.lora_A); b.lora_B.copy_(a.lora_B)
    res = {}
    for name, ccm in ccms.items():
        sess = ccm.session([1, 2])
        for seg in ([10, 11, 12, 13, 14], [20, 21, 22]): sess.add(seg)
        lp, n = sess.score([30, 31], [[40], [41, 42]])
        res[name] = dict(lp=lp, kv=sess.kv_length(), gen=sess.generate([30, 31], max_new_tokens=5),
                         devices={str(k.device) for k, v in sess.mem})
    a, b = res["one device"], res["split"]
    torch.testing.assert_close(b["lp"], a["lp"], rtol=1e-4, atol=1e-4)
    assert a["kv"] == b["kv"] == 2 + 2 * 2 and a["gen"] == b["gen"]      # the prefix and two ⟨COMP⟩ pairs a segment
    assert b["devices"] == {str(torch.device(d)) for d in devices}      # the memory's layers live on their layers' devices
