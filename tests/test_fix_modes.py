"""A branch or variant named for how a run is operated (resume, eval, export) is not removed safely:
runs that resume from a checkpoint are rarely recorded as experiments (nanoGPT's
`elif init_from == 'resume':` arm was removed as safe before)."""
import pytest

from stalelint.fix.plan import operational


@pytest.mark.parametrize("value", ["resume", "Eval", "test", "dry-run", "dry_run", "export", "finetune"])
def test_operational_modes(value):
    assert "how a run is operated" in operational(value)


@pytest.mark.parametrize("value", ["cutmix", "resnet50", "gpt2-xl", "scratch", "evaluator_v2", 3, None])
def test_research_choices(value):
    assert operational(value) is None
