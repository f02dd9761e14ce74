"""Which script a config file belongs to (judge.Facts.owners): a config names no script, so it is
given to the script whose knobs cover its keys, but only on real overlap, and never to a script
picked at random among several that reach the same config module (fixtures/configowners)."""
import pytest

from stalelint import check, config, judge
from tests.conftest import ALL, AS_OF, by_code, check_json, stale_flags


@pytest.fixture
def facts(build):
    repo = build("configowners")
    settings = config.load(repo)
    return check.analyse(repo, settings, check.window_for(AS_OF, settings.since_days), use_cache=False)[1]


def _covered_by(facts, path: str) -> set[str]:
    return {e.source for e in facts.covers.get(path, [])}


def _bound(facts, source: str) -> dict[str, str]:
    return {b.setting.key: facts.knob(i).path for i, bs in facts.bindings.items() for b in bs
            if b.experiment.source == source}


def test_a_config_sharing_two_incidental_names_with_a_tool_is_not_its_experiment(facts):
    # big_recipe.yaml: `seed` and `dry_run` are flags of tools/shard.py, the other 8 keys bind nothing
    assert "configs/big_recipe.yaml" not in _covered_by(facts, "tools/shard.py")
    assert _bound(facts, "configs/big_recipe.yaml") == {}


def test_configs_of_a_shared_config_module_are_not_given_to_one_of_its_scripts(facts):
    configs = {"configs/exp_a.yaml", "configs/exp_b.yaml", "configs/exp_c.yaml"}
    # before: to eval_knn.py, the script that reaches fewest files, whose --temperature they cannot set
    assert not configs & _covered_by(facts, "eval_knn.py")
    assert not configs & _covered_by(facts, "train.py")
    assert configs <= _covered_by(facts, "common/config.py")
    # their keys still bind to the fields they set; `k`, a flag of eval_knn.py alone, binds to nothing
    # and is no unknown key either: code defines it
    assert _bound(facts, "configs/exp_c.yaml") == {"depth": "common/config.py", "width": "common/config.py",
                                                   "lr": "common/config.py"}
    assert not [s.key for e, s, _ in facts.unbound if e.source == "configs/exp_c.yaml"]


def test_the_tool_and_the_eval_script_are_judged_from_their_own_experiments(build):
    doc = check_json(build("configowners"), *ALL)
    stale = stale_flags(doc)
    assert "workers" not in stale and "num_shards" not in stale  # tools/shard.py: no experiment at all
    # eval_knn.py: one README example, not 3 training configs besides; thin evidence, hidden by default
    assert "--temperature` is never set by any of 1 recent experiment" in stale["temperature"]["message"]
    assert stale["temperature"]["confidence"] < 50
    assert not by_code(doc, "STL103")  # the recipe's unbound keys are not called unknown


@pytest.mark.parametrize("bound, keys, real", [
    (0, 1, False), (1, 1, True), (1, 2, False), (2, 2, True), (2, 6, True), (2, 7, False),
    (2, 10, False), (8, 58, False), (22, 58, True),
])
def test_real_overlap(bound, keys, real):
    assert judge.real_overlap(bound, keys) is real


def test_with_one_script_reaching_the_config_module_the_configs_are_its_experiments(build):
    import subprocess

    repo = build("configowners")
    subprocess.run(["git", "-C", str(repo), "rm", "-q", "eval_knn.py"], check=True)
    settings = config.load(repo)
    facts = check.analyse(repo, settings, check.window_for(AS_OF, settings.since_days), use_cache=False)[1]
    assert {"configs/exp_a.yaml", "configs/exp_b.yaml", "configs/exp_c.yaml"} <= _covered_by(facts, "train.py")
