"""Refuses HDF5 files whose damaged metadata the HDF5 library cannot survive.

The HDF5 C library checks most of what it reads and reports damage as an error
(which `h5_safety` turns into a `FileFormatError`), but on a few damaged
structures of the original file format, the one h5py and Keras write, it loops
forever, allocates without bound or corrupts its own memory, in C, where no
Python signal or exception reaches it (found by benches/fuzz_loaders.py):

- a global heap collection (`GCOL`, where variable-length strings such as
  `layer_names` and `model_config` live, and the mappings of virtual datasets)
  whose objects do not tile it: an object of size 0 makes the parser stand still;
- an attribute whose variable-length strings claim more bytes than their heap
  objects hold (the library allocates the claimed size, up to 4 GiB a string,
  before it compares), or more values than the attribute stores;
- a local heap (`HEAP`, which holds group member names) whose free list loops,
  or whose data lies past the end of the file (it allocates until it dies);
- a version-1 B-tree node (`TREE`, which indexes group members and dataset
  chunks) at an absurd level, after which a later lookup can crash the process,
  or whose children lead back up the tree, which would overflow its stack;
- a datatype (of an attribute or a dataset) whose variable-length kind, string
  padding or character set is none the format defines: the library takes the
  number as is and later jumps through a table it does not have (a crash);
- object header continuations that loop.

`check` walks the file the way the library does, from the superblock's root
group through symbol tables, B-trees, symbol table nodes, links and object
headers to attributes and the heaps they use, and checks each structure it
reaches against the same rules the library applies, plus the ones it misses.
Only what the library would read is judged: bytes that are not reachable
(freed space, the weights themselves) cannot make a good file look damaged.
A structure whose signature or version is wrong is left to the library, which
reports it as an error. Files written in HDF5's newer format (superblock,
object header, B-tree and heap version 2) carry checksums on each structure,
which the library verifies; their structures are not walked here.
"""

from __future__ import annotations

import mmap
import os
from typing import Any, NoReturn

from pykeras.errors import FileFormatError

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# HDF5 allows a user block before the superblock, of 512 bytes times a power of 2.
_SUPERBLOCK_OFFSETS = (0,) + tuple(512 << i for i in range(20))
_FREE_LIST_END = 1  # how the library marks the end of a local heap's free list
_MAX_TREE_LEVEL = 64
# Object header messages read here.
_DATATYPE, _LINK, _LAYOUT, _ATTRIBUTE = 0x03, 0x06, 0x08, 0x0C
_CONTINUATION, _SYMBOL_TABLE = 0x10, 0x11
# Datatype classes checked here.
_STRING, _ENUM, _VARIABLE_LENGTH, _ARRAY = 3, 8, 9, 10
_MAX_RANK = 32
_GROUP_NODES, _CHUNK_NODES = 0, 1  # B-tree node types


def check(source: str | os.PathLike | bytes, filepath: str) -> None:
    """Raises if the HDF5 file in `source` (a path, or its bytes) has damaged
    metadata the HDF5 library would hang, run out of memory or crash on.

    Args:
        source: a path, or the file's bytes.
        filepath: the file's name, for messages.

    Raises:
        FileNotFoundError: `source` is a path that does not exist.
        FileFormatError: a damaged structure, named with its offset.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        _Walker(bytes(source), filepath).run()
        return
    with open(os.fspath(source), "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            _Walker(data, filepath).run()


class _Walker:
    """Walks one file's metadata from its root group; `data` is bytes or an mmap."""

    def __init__(self, data: bytes | mmap.mmap, filepath: str | os.PathLike[str]) -> None:
        self.data = data
        self.filepath = filepath
        self.base = 0
        self.offset_size = self.length_size = 8
        # Most entries a group's B-tree nodes (2 * internal K), a chunk index's nodes
        # (2 * chunk K) and symbol table nodes (2 * leaf K) hold; only the original
        # superblock records them.
        self.leaf_k: int | None = None
        self.internal_k: int | None = None
        self.chunk_k: int | None = None
        self.todo: list[tuple[Any, tuple[Any, ...]]] = []  # (method, arguments) still to visit
        self.seen: set[tuple[str, int]] = set()  # (method name, address) visited
        # global heap collection address -> {object index: size}
        self.collections: dict[int, dict[int, int]] = {}

    def run(self) -> None:
        if not self._read_superblock():
            return  # not HDF5, or a superblock the library refuses (or checksums)
        while self.todo:
            visit, args = self.todo.pop()
            # A B-tree node is judged once per level it is reached at, so that a
            # second parent cannot lead back up the tree unseen.
            key = (visit.__name__, *args[:2])
            if key not in self.seen:
                self.seen.add(key)
                visit(*args)

    def _visit(self, visit: Any, address: Any, *args: Any) -> None:
        """Schedules `visit` of the structure at HDF5 address `address`, if it is one."""
        if address is not None and not self._undefined(address) and address < self._end():
            self.todo.append((visit, (self.base + address, *args)))

    # ------------------------------------------------------------ reading

    def _uint(self, at: Any, size: Any) -> Any:
        if at < 0 or at + size > len(self.data):
            return None
        return int.from_bytes(self.data[at : at + size], "little")

    def _address(self, at: Any) -> Any:
        return self._uint(at, self.offset_size)

    def _length(self, at: Any) -> Any:
        return self._uint(at, self.length_size)

    def _undefined(self, value: Any) -> Any:
        return value == (1 << (8 * self.offset_size)) - 1

    def _end(self) -> Any:
        """The end of the file as an HDF5 address (relative to the superblock)."""
        return len(self.data) - self.base

    def _is(self, at: Any, signature: Any) -> Any:
        return self.data[at : at + len(signature)] == signature

    def _refuse(self, what: str, at: Any, problem: Any) -> NoReturn:
        raise FileFormatError(
            f"'{self.filepath}' is corrupt: its HDF5 {what} at byte {at} {problem}. The HDF5 "
            "library could crash, hang or exhaust memory on it, so it is not opened."
        )

    def _read_superblock(self) -> Any:
        for at in _SUPERBLOCK_OFFSETS:
            if at + 24 > len(self.data):
                return False
            if not self._is(at, _SIGNATURE):
                continue
            if self.data[at + 8] not in (0, 1):
                return False  # version 2 and 3 superblocks and what they lead to: checksums
            offset_size, length_size = self.data[at + 13], self.data[at + 14]
            if offset_size not in (2, 4, 8) or length_size not in (2, 4, 8):
                return False
            self.base, self.offset_size, self.length_size = at, offset_size, length_size
            self.leaf_k, self.internal_k = self._uint(at + 16, 2), self._uint(at + 18, 2)
            # Chunk index nodes: K is 32 unless a version 1 superblock says otherwise.
            self.chunk_k = 32 if self.data[at + 8] == 0 else self._uint(at + 24, 2)
            # After the fixed fields and four addresses: the root group's symbol table
            # entry (name offset, object header address, cache type, reserved, scratch).
            entry = at + (24 if self.data[at + 8] == 0 else 28) + 4 * offset_size
            self._symbol_table_entry(entry)
            return True
        return False

    def _symbol_table_entry(self, at: Any) -> None:
        header = self._address(at + self.offset_size)
        cache_type = self._uint(at + 2 * self.offset_size, 4)
        if cache_type == 2:
            return  # a soft link: its target is a name, resolved through other entries
        self._visit(self._object_header, header)
        if cache_type == 1:  # the group's B-tree and local heap, cached in the entry
            scratch = at + 2 * self.offset_size + 8
            self._group(self._address(scratch), self._address(scratch + self.offset_size))

    def _group(self, btree: Any, heap: Any) -> None:
        self._visit(self._btree_node, btree, None, _GROUP_NODES, 0)
        self._visit(self._local_heap, heap)

    # ------------------------------------------------------------ structures

    def _object_header(self, at: Any) -> None:
        # Version 1: version, reserved, message count (2), reference count (4), size
        # of the first block (4), padding to 16 bytes; messages are type (2), size
        # (2), flags (1), reserved (3), then their data. Continuations chain blocks.
        if self._uint(at, 2) != 1:
            return  # not a version 1 header: the library reports it
        blocks, seen = [(at + 16, self._uint(at + 8, 4))], set()
        while blocks:
            start, size = blocks.pop()
            if start in seen:
                self._refuse("object header", at, "continues into a block it already holds")
            seen.add(start)
            if size is None or start + size > len(self.data):
                continue  # past the end: the library reports it
            p, end = start, start + size
            while p + 8 <= end:
                kind, length, flags = self._uint(p, 2), self._uint(p + 2, 2), self.data[p + 4]
                body = p + 8
                if body + length > end:
                    break
                if kind == _CONTINUATION:
                    address = self._address(body)
                    if address is not None and not self._undefined(address):
                        blocks.append((self.base + address, self._length(body + self.offset_size)))
                elif kind == _SYMBOL_TABLE:
                    self._group(self._address(body), self._address(body + self.offset_size))
                elif kind == _ATTRIBUTE and not flags & 0x02:  # 0x02: shared elsewhere
                    self._attribute(body, body + length, at)
                elif kind == _DATATYPE and not flags & 0x02:
                    self._datatype(body, body + length, at)
                elif kind == _LAYOUT:
                    self._layout(body, body + length)
                elif kind == _LINK:
                    self._link(body, body + length)
                p = body + length

    def _layout(self, at: Any, end: Any) -> None:
        # Version 3, chunked (class 2): rank + 1 (1), B-tree address, chunk sizes.
        # Version 4, virtual (class 3): the mapping's global heap collection and
        # object index, which the library reads as soon as the dataset is opened.
        if end - at < 3 + self.offset_size:
            return
        version, kind = self.data[at], self.data[at + 1]
        if version == 3 and kind == 2:
            dimensions = self.data[at + 2]
            self._visit(self._btree_node, self._address(at + 3), None, _CHUNK_NODES, dimensions)
        elif version >= 4 and kind == 3:
            self._global_heap(self._address(at + 2))

    def _link(self, at: Any, end: Any) -> None:
        # Version 1, flags (1), [type (1)], [creation order (8)], [charset (1)], name
        # length (1, 2, 4 or 8 bytes by flags), name; a hard link then holds an address.
        if end - at < 4 or self.data[at] != 1:
            return
        flags, p = self.data[at + 1], at + 2
        kind = 0
        if flags & 0x08:
            kind, p = self.data[p], p + 1
        p += 8 * bool(flags & 0x04) + bool(flags & 0x10)
        width = 1 << (flags & 0x03)
        name = self._uint(p, width)
        if kind == 0 and name is not None and p + width + name + self.offset_size <= end:
            self._visit(self._object_header, self._address(p + width + name))

    def _attribute(self, start: Any, end: Any, header: Any) -> None:
        # Version 1 pads name, datatype and dataspace to 8 bytes; version 3 adds a
        # name encoding byte; the data follows.
        if end - start < 8:
            return  # too short for an attribute: the library refuses it
        version, flags = self.data[start], self.data[start + 1]
        if version not in (1, 2, 3) or (version > 1 and flags & 0x01):
            return  # an unknown version, or a shared datatype described elsewhere
        sizes = [self._uint(start + 2 + 2 * i, 2) for i in range(3)]
        p = start + 8 + (version == 3)
        fields = []
        for size in sizes:
            fields.append(p)
            p += (size + 7) & ~7 if version == 1 else size
        datatype, dataspace, data = fields[1], fields[2], p
        if data > end:
            return  # fields overrunning the message: the library refuses it
        self._datatype(datatype, dataspace, header)
        count = self._elements(dataspace)
        item = self._uint(datatype + 4, 4)
        if count is None or item is None:
            return
        if count * item > end - data:
            self._refuse(
                "attribute",
                header,
                f"declares {count} values of {item} bytes but stores {end - data} bytes",
            )
        if self.data[datatype] & 0x0F != _VARIABLE_LENGTH:
            return
        # Each value: length (4), global heap collection address, object index (4).
        base_item = self._uint(datatype + 12, 4) or 1
        step = 8 + self.offset_size
        for i in range(count):
            at = data + i * step
            length = self._uint(at, 4)
            if not length:
                continue
            objects = self._global_heap(self._address(at + 4))
            stored = objects.get(self._uint(at + 4 + self.offset_size, 4))
            if stored is None or length * base_item > stored:
                self._refuse(
                    "attribute",
                    header,
                    f"has a variable-length value of {length} items whose heap object "
                    f"holds {stored} bytes",
                )

    def _datatype(self, at: Any, end: Any, header: Any, depth: int = 0) -> None:
        # Class (low 4 bits) and version (high 4 bits), 3 bytes of class flags, size
        # (4); then the class's properties, which for variable-length, enumerated and
        # array types include their base type.
        if depth > 8 or at + 8 > end:
            return
        kind, version = self.data[at] & 0x0F, self.data[at] >> 4
        flags, more = self.data[at + 1], self.data[at + 2]
        base = None
        if kind == _STRING:
            if flags & 0x0F > 2 or flags >> 4 > 1:
                self._refuse("datatype", header, f"has a string padding or character set {flags}")
        elif kind == _VARIABLE_LENGTH:
            # A sequence (0) or a string (1, with padding and character set).
            if flags & 0x0F > 1 or (flags & 0x0F == 1 and (flags >> 4 > 2 or more & 0x0F > 1)):
                self._refuse("datatype", header, f"has a variable-length kind {flags & 0x0F}")
            base = at + 8
        elif kind == _ENUM:
            base = at + 8
        elif kind == _ARRAY:
            rank = self.data[at + 8] if at + 9 <= end else 0
            if rank > _MAX_RANK:
                self._refuse("datatype", header, f"has an array of rank {rank}")
            # Version 2: rank, 3 reserved bytes, sizes and permutations; version 3: rank, sizes.
            base = at + 9 + (3 + 8 * rank if version < 3 else 4 * rank)
        if base is not None:
            self._datatype(base, end, header, depth + 1)

    def _elements(self, at: Any) -> Any:
        """How many values the dataspace message at `at` describes, or None."""
        version, rank, kind = self._uint(at, 1), self._uint(at + 1, 1), self._uint(at + 3, 1)
        if rank is None:
            return None
        if version == 1:
            dims = at + 8
        elif version == 2:
            if kind != 1:
                return 1 if kind == 0 else 0  # scalar or null
            dims = at + 4
        else:
            return None
        count = 1
        for i in range(rank):
            size = self._length(dims + i * self.length_size)
            if size is None:
                return None
            count *= size
        return count

    def _global_heap(self, address: Any) -> Any:
        """`{object index: size}` of the collection at `address` (checked once)."""
        if address is None or self._undefined(address) or address >= self._end():
            return {}
        if address in self.collections:
            return self.collections[address]
        objects = self.collections[address] = {}
        at = self.base + address
        # "GCOL", version 1, 3 reserved bytes, collection size; then objects, each
        # index (2), reference count (2), reserved (4), size, data padded to 8 bytes.
        if not self._is(at, b"GCOL\x01"):
            return objects  # the library reports a bad signature or version
        size, header = self._length(at + 8), 8 + self.length_size
        if size is None or size < header or at + size > len(self.data):
            self._refuse("global heap collection", at, f"has a size past the file's end ({size})")
        end, p = at + size, at + header
        while p + header <= end:  # a smaller tail is free space to the library too
            index, object_size = self._uint(p, 2), self._length(p + 8)
            need = object_size if index == 0 else header + ((object_size + 7) & ~7)
            if need <= 0 or p + need > end:
                self._refuse(
                    "global heap collection",
                    at,
                    f"holds an object of size {object_size} at byte {p} that does not fit in it",
                )
            if index:
                objects[index] = object_size
            p += need
        return objects

    def _local_heap(self, at: Any) -> None:
        # "HEAP", version 0, 3 reserved bytes, data size, free list head, data address.
        if not self._is(at, b"HEAP\x00"):
            return
        length = self.length_size
        size, free = self._length(at + 8), self._length(at + 8 + length)
        address = self._address(at + 8 + 2 * length)
        if size is None or free is None or address is None:
            self._refuse("local heap", at, "is cut off by the file's end")
        if self._undefined(address) or address + size > self._end():
            self._refuse("local heap", at, f"has {size} bytes of data past the file's end")
        start, seen = self.base + address, set()
        while free != _FREE_LIST_END and not self._undefined(free):
            if free in seen or free + 2 * length > size:
                self._refuse("local heap", at, "has a free list that loops or leaves the heap")
            seen.add(free)
            following, block = self._length(start + free), self._length(start + free + length)
            if block is None or block < 2 * length or free + block > size:
                self._refuse("local heap", at, f"has a free block of {block} bytes out of place")
            free = following

    def _btree_node(self, at: Any, level_due: Any, node_type: Any, dimensions: Any) -> None:
        # "TREE", node type, level, entries used, left and right siblings, then keys
        # and child addresses alternating (a key: a heap offset in a group's tree;
        # chunk size, filter mask and one offset per dimension in a chunk index).
        if not self._is(at, b"TREE") or self._uint(at + 4, 1) != node_type:
            return  # the library reports a bad signature or node type
        level, entries = self._uint(at + 5, 1), self._uint(at + 6, 2)
        if entries is None:
            return  # cut off by the end of the file: the library reports it
        if level > _MAX_TREE_LEVEL:
            self._refuse("B-tree node", at, f"claims to sit at level {level}")
        if level_due is not None and level != level_due:
            # Levels fall by one at each step down, so no path leads back up.
            self._refuse("B-tree node", at, f"sits at level {level} where {level_due} is due")
        most = self.internal_k if node_type == _GROUP_NODES else self.chunk_k
        if most and entries > 2 * most:
            self._refuse("B-tree node", at, f"claims {entries} entries")
        key = self.length_size if node_type == _GROUP_NODES else 8 + 8 * dimensions
        first_child = at + 8 + 2 * self.offset_size + key
        for i in range(entries):
            child = self._address(first_child + i * (self.offset_size + key))
            if level > 0:
                self._visit(self._btree_node, child, level - 1, node_type, dimensions)
            elif node_type == _GROUP_NODES:
                self._visit(self._symbol_node, child)

    def _symbol_node(self, at: Any) -> None:
        # "SNOD", version 1, reserved, symbol count, then entries of: name offset,
        # object header address, cache type (4), reserved (4), scratch pad (16).
        if not self._is(at, b"SNOD\x01"):
            return
        count = self._uint(at + 6, 2)
        if count is None or (self.leaf_k and count > 2 * self.leaf_k):
            self._refuse("symbol table node", at, f"claims {count} symbols")
        entry = 2 * self.offset_size + 24
        for i in range(count):
            self._symbol_table_entry(at + 8 + i * entry)
