"""Greedy baselines the min-cost-flow solver is measured against (bench and tests only).

They reuse the core's pairing and distance steps so a difference in the results comes from
the order of assignment alone, never from a different notion of a feasible pair.
"""

from collections.abc import Sequence

import numpy as np

from services.matching.core import (
    OfferingInput,
    Proposal,
    RequestInput,
    _distance_steps,
    _pair_arrays,
    _proposal,
    distance_km,
    priority,
)


def greedy(requests: Sequence[RequestInput], offerings: Sequence[OfferingInput]) -> list[Proposal]:
    """Highest priority first, nearest feasible offering: the baseline for timing."""
    order = sorted(range(len(requests)), key=lambda i: -priority(requests[i]))
    return greedy_in_order(requests, offerings, order)


def greedy_in_order(
    requests: Sequence[RequestInput], offerings: Sequence[OfferingInput], order: Sequence[int]
) -> list[Proposal]:
    """Requests in `order` (indexes), each to its nearest feasible offering with a place left."""
    pair_requests, pair_offerings = _pair_arrays(requests, offerings)
    steps = _distance_steps(requests, offerings, pair_requests, pair_offerings)
    # Pairs of one request together, nearest first.
    by_nearness = np.lexsort((steps, pair_requests))
    pair_offerings = pair_offerings[by_nearness].tolist()
    first = np.searchsorted(pair_requests[by_nearness], np.arange(len(requests) + 1)).tolist()
    left = [offering.remaining for offering in offerings]
    proposals = []
    for i in order:
        for j in pair_offerings[first[i] : first[i + 1]]:
            if left[j] > 0:
                left[j] -= 1
                proposals.append(
                    _proposal(requests[i], offerings[j], distance_km(requests[i], offerings[j]))
                )
                break
    return proposals
