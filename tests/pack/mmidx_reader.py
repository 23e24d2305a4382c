"""mmidx_reader.py — an independent reader of Megatron MMIDIDX .idx/.bin
pairs, written from the format description (not from refine's C code), with
the Python standard library only: the tests compare refine's files against
it, and it against Megatron-Core's own IndexedDataset.

    MMIDIDX\\0\\0 | u64 version=1 | u8 dtype | u64 S | u64 D |
    i32[S] lengths | i64[S] byte pointers | i64[D] document indices
"""
import struct
import sys
from array import array

DTYPES = {1: ("B", 1), 2: ("b", 1), 3: ("h", 2), 4: ("i", 4), 5: ("q", 8), 6: ("d", 8),
          7: ("f", 4), 8: ("H", 2)}


class Dataset:
    def __init__(self, prefix):
        with open(prefix + ".idx", "rb") as f:
            idx = f.read()
        with open(prefix + ".bin", "rb") as f:
            self.bin = f.read()
        if idx[:9] != b"MMIDIDX\x00\x00":
            raise ValueError("bad magic")
        (version,) = struct.unpack_from("<Q", idx, 9)
        if version != 1:
            raise ValueError("version %d" % version)
        self.dtype_code = idx[17]
        self.typecode, self.itemsize = DTYPES[self.dtype_code]
        self.nseq, self.ndocidx = struct.unpack_from("<QQ", idx, 18)
        off = 34
        need = off + 12 * self.nseq + 8 * self.ndocidx
        if len(idx) != need:
            raise ValueError("index is %d bytes, header says %d" % (len(idx), need))
        self.lengths = list(struct.unpack_from("<%di" % self.nseq, idx, off))
        off += 4 * self.nseq
        self.pointers = list(struct.unpack_from("<%dq" % self.nseq, idx, off))
        off += 8 * self.nseq
        self.doc_idx = list(struct.unpack_from("<%dq" % self.ndocidx, idx, off))
        pos = 0
        for i, (n, p) in enumerate(zip(self.lengths, self.pointers)):
            if p != pos or n < 0:
                raise ValueError("sequence %d: pointer %d, expected %d" % (i, p, pos))
            pos += n * self.itemsize
        if pos != len(self.bin):
            raise ValueError(".bin is %d bytes, index covers %d" % (len(self.bin), pos))
        if self.doc_idx[0] != 0 or self.doc_idx[-1] != self.nseq or \
                any(a > b for a, b in zip(self.doc_idx, self.doc_idx[1:])):
            raise ValueError("bad document indices")
        self.tokens = array(self.typecode)
        self.tokens.frombytes(self.bin)
        if sys.byteorder != "little":
            self.tokens.byteswap()

    def __len__(self):
        return self.nseq

    def sequence(self, i):
        s = self.pointers[i] // self.itemsize
        return self.tokens[s:s + self.lengths[i]].tolist()

    @property
    def documents(self):
        return self.ndocidx - 1

    def document(self, d):
        out = []
        for i in range(self.doc_idx[d], self.doc_idx[d + 1]):
            out.extend(self.sequence(i))
        return out


if __name__ == "__main__":
    ds = Dataset(sys.argv[1])
    print("dtype", ds.dtype_code, "sequences", len(ds), "documents", ds.documents)
