"""Cases found on held-out research repos of set AH, reduced to small documents: a stray quote in
a block that is no command (transfuser's README)."""
from stalelint.evidence import launch


def test_a_stray_quote_in_a_block_does_not_swallow_the_later_blocks():
    """transfuser's README lists a folder tree in an untagged block, with "ego-agent's" in it; the
    quote it opens ended the reading of the README there, and its two training commands went."""
    text = ("```\n- Town\n    - measurements: contains ego-agent's position\n```\n\n"
            "To train:\n```Shell\ncd team_code\npython train.py --batch_size 10 --parallel_training 0\n```\n"
            "```Shell\ntorchrun --nproc_per_node=2 train.py --parallel_training 1\n```\n")
    found = [(c.line, c.entry, c.args) for c in launch.commands("README.md", text)]
    assert [(line, args) for line, _, args in found] == [
        (9, ("--batch_size", "10", "--parallel_training", "0")), (12, ("--parallel_training", "1"))]


def test_a_quoted_value_over_lines_of_one_block_is_still_one_word():
    text = '```bash\npython train.py --note "a long\nnote" --lr 1\n```\n'
    found = [c.args for c in launch.commands("README.md", text)]
    assert found == [("--note", "a long\nnote", "--lr", "1")]
