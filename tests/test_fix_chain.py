"""fix/chain.py: a file's fixes as one chain of line identities, any of them undone alone."""
from stalelint.fix.chain import Chain

ORIG = "a\nL1\nL2\nL3\nb\n"


def test_the_chain_holds_every_version():
    versions = [ORIG, "a\nL2\nL3\nb\n", "a\nL3\nb\n"]
    chain = Chain(versions)
    assert chain.text_without(set()) == versions[-1]
    assert chain.text_without({1, 2}) == ORIG
    assert chain.text_without({2}) == versions[1]


def test_a_removal_comes_back_where_its_neighbour_was_removed_too():
    chain = Chain([ORIG, "a\nL2\nL3\nb\n", "a\nL3\nb\n"])  # L1 removed, then L2 under it
    assert chain.text_without({1}) == "a\nL1\nL3\nb\n"


def test_a_fold_comes_back_beside_a_later_one():
    chain = Chain(["x = args.lr\ny = 1\nz = args.wd\n", "x = 0.1\ny = 1\nz = args.wd\n", "x = 0.1\ny = 1\nz = 0.0\n"])
    assert chain.text_without({1}) == "x = args.lr\ny = 1\nz = 0.0\n"


def test_a_fix_whose_lines_a_later_fix_changed_cannot_be_undone_alone():
    # two folds of the same line: the second rewrote what the first wrote
    chain = Chain(["f(args.a, args.b)\n", "f(1, args.b)\n", "f(1, 2)\n"])
    assert chain.text_without({1}) is None
    assert chain.text_without({2}) == "f(1, args.b)\n"
    assert chain.text_without({1, 2}) == "f(args.a, args.b)\n"


def test_a_line_whose_section_a_later_fix_removed_does_not_come_back_under_another():
    """nanoT5's config: `data.mlm_probability` removed, then the rest of `data:` and its header;
    alone, the key would land under `model:`."""
    orig = "model:\n  compile: false\n\ndata:\n  mlm: 0.15\n  span: 3.0\n\noptim:\n  lr: 1\n"
    one = "model:\n  compile: false\n\ndata:\n  span: 3.0\n\noptim:\n  lr: 1\n"
    two = "model:\n  compile: false\n\noptim:\n  lr: 1\n"
    chain = Chain([orig, one, two])
    assert chain.text_without({1}) is None
    assert chain.text_without({1, 2}) == orig
