"""Statistical secrecy of the published figures: no figure may describe fewer than three
mediators, nor let one be recomputed from the others.

The atoms of a region are its (department, post type) pairs, each with its contributors: the
mediators whose sheets or requests make a figure (for the sheet tables, each year compared),
or the annual bilans (one per post) for Annexe 1. The atoms are cut once per region into blocks
that each have no contributor or at least MIN_CONTRIBUTORS, each year:

1. a department keeps one block per post type when each type is safe, or else is one block;
2. the departments still too small in a territoire are one block, or else the whole territoire;
3. the territoires still too small are one block, or else the whole region (which, if still too
   small, publishes nothing).

A figure is published only if it covers whole blocks. Every figure a user can open (any
scope of the region, any post type, the columns and totals of one page) is then a sum of
whole blocks, and no sum or difference of them isolates less than a block: a masked figure
cannot be recomputed, on a page or across pages. The cut is the same whatever page is asked
for, since it depends on the region's figures only."""

from dataclasses import dataclass

from mediation.enums import PostType

MIN_CONTRIBUTORS = 3
POST_TYPES = tuple(PostType.values)


def _sizes(atoms, contributors):
    """Per year, the number of distinct contributors of `atoms`."""
    years = max((len(v) for v in contributors.values()), default=1)
    return tuple(len(set().union(*(contributors.get(a, ((),) * years)[y] for a in atoms))) for y in range(years))


def _safe(sizes):
    return all(n == 0 or n >= MIN_CONTRIBUTORS for n in sizes)


@dataclass(frozen=True)
class Blocks:
    """The blocks of the atoms of the regions of a scope."""

    block_of: dict  # {atom: block index}, atoms with contributors only
    atoms_of: tuple  # block index -> frozenset of its atoms with contributors
    small: frozenset  # blocks still too small: a region too small to publish anything

    def publishable(self, atoms):
        """Whether a figure over `atoms` covers whole blocks, none of them too small."""
        atoms = {a for a in atoms if a in self.block_of}
        for index in {self.block_of[a] for a in atoms}:
            if index in self.small or not self.atoms_of[index] <= atoms:
                return False
        return True


def atoms(department_ids, post_type=""):
    """The atoms of a figure over these departments and one post type (or all)."""
    types = (post_type,) if post_type else POST_TYPES
    return {(d, t) for d in department_ids for t in types}


def cut(departments, contributors):
    """Blocks of the atoms of `departments` (every department of the regions concerned, with
    `territory_id` and `region_id`), `contributors` mapping an atom to a tuple (one per year)
    of sets of contributor ids."""
    blocks = []

    def sizes(group):
        return _sizes(group, contributors)

    by_region = {}
    for dep in departments:
        by_region.setdefault(dep.region_id, {}).setdefault(dep.territory_id, []).append(dep)
    for territories in by_region.values():
        region_blocks, region_pending = [], set()
        for members in territories.values():
            territory_blocks, pending = [], set()
            for dep in members:
                own = [atoms((dep.pk,), t) for t in POST_TYPES]
                if all(_safe(sizes(a)) for a in own):
                    territory_blocks += own
                elif _safe(sizes(atoms((dep.pk,)))):
                    territory_blocks.append(atoms((dep.pk,)))
                else:
                    pending |= atoms((dep.pk,))
            if pending and not _safe(sizes(pending)):
                # The small departments together are still too small: the whole territoire.
                pending = atoms([d.pk for d in members])
                territory_blocks = []
            if pending and not _safe(sizes(pending)):
                region_pending |= pending
            else:
                region_blocks += territory_blocks + ([pending] if pending else [])
        if region_pending and not _safe(sizes(region_pending)):
            region_pending = atoms([d.pk for members in territories.values() for d in members])
            region_blocks = []
        if region_pending:
            region_blocks.append(region_pending)
        blocks += region_blocks

    block_of, atoms_of, small = {}, [], set()
    for block in blocks:
        index = len(atoms_of)
        counted = frozenset(a for a in block if any(sizes((a,))))
        atoms_of.append(counted)
        block_of.update(dict.fromkeys(counted, index))
        if not _safe(sizes(block)):
            small.add(index)
    return Blocks(block_of=block_of, atoms_of=tuple(atoms_of), small=frozenset(small))
