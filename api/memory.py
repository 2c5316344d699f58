"""Process-level memory settings for the API processes."""

import ctypes
import ctypes.util

# glibc's mallopt parameter for the size from which allocations are mmapped.
_M_MMAP_THRESHOLD = -3
LARGE_BLOCK_BYTES = 1024 * 1024


def return_large_blocks_to_the_system() -> None:
    """Client authentication runs scrypt, which allocates 16 MiB per check. glibc raises its
    mmap threshold after such a block is freed, so later ones come from the heap of whichever
    thread ran them and stay resident: each API worker's RSS grew by 60-110 MB in a soak as
    tokens were renewed. A fixed threshold keeps every block of 1 MiB or more mmapped, so it
    goes back to the system when freed. Only glibc has this knob; elsewhere this does nothing."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)
