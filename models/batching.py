"""How a call's texts are cut into model batches: every batch is padded to its longest member, so like lengths
go together."""

from __future__ import annotations

from collections.abc import Sequence

# One long unit (a list, a code block) among short sentences made every sentence of its batch cost as much as
# it; for the embedder, 32 sentences sorted by length still padded the short ones by about 60%.
LENGTH_SLACK = 1.25


def length_batches(lengths: Sequence[int], size: int) -> list[list[int]]:
    """Indices grouped into batches of at most `size`, shortest first, none padded beyond LENGTH_SLACK times
    its shortest member."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if batches and len(batches[-1]) < size and lengths[i] <= LENGTH_SLACK * lengths[batches[-1][0]]:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
