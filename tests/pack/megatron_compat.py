"""megatron_compat.py PREFIX... — loads each refine-pack dataset with
Megatron-Core's IndexedDataset (megatron.core.datasets.indexed_dataset, the
reader Megatron-LM and NeMo train from) and compares every sequence, the
dtype and the document indices with the independent reader; then rebuilds
the same documents with Megatron's own IndexedDatasetBuilder and requires
byte-identical .bin and .idx files."""
import logging
import os
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mmidx_reader import Dataset  # noqa: E402

import numpy  # noqa: E402
import torch  # noqa: E402
from megatron.core.datasets.indexed_dataset import IndexedDataset, IndexedDatasetBuilder  # noqa: E402


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


for prefix in sys.argv[1:]:
    ref = Dataset(prefix)
    ds = IndexedDataset(prefix)
    want_dtype = {8: numpy.uint16, 4: numpy.int32}[ref.dtype_code]
    if ds.index.dtype != want_dtype:
        fail("%s: Megatron reads dtype %s" % (prefix, ds.index.dtype))
    if len(ds) != len(ref) or list(ds.document_indices) != ref.doc_idx:
        fail("%s: sequence count or document indices differ" % prefix)
    for i in range(len(ref)):
        if ds[i].tolist() != ref.sequence(i):
            fail("%s: sequence %d differs" % (prefix, i))
    # Megatron's builder writes the same documents: the files must be equal.
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m")
        b = IndexedDatasetBuilder(out + ".bin", dtype=want_dtype)
        for d in range(ref.documents):
            seqs = [ref.sequence(i) for i in range(ref.doc_idx[d], ref.doc_idx[d + 1])]
            flat = [t for s in seqs for t in s]
            b.add_document(torch.tensor(flat, dtype=torch.int64), [len(s) for s in seqs])
        b.finalize(out + ".idx")
        for ext in (".bin", ".idx"):
            if open(out + ext, "rb").read() != open(prefix + ext, "rb").read():
                fail("%s%s differs from IndexedDatasetBuilder's file" % (prefix, ext))
    print("megatron ok: %s (%s, %d sequences, %d documents)" %
          (prefix, want_dtype.__name__, len(ds), ref.documents))
