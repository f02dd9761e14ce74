from conftest import ALL, by_code, check_json, stale_flags


def test_hydra_tree_end_to_end(build):
    doc = check_json(build("hydrarepo"), *ALL)
    assert doc["errors"] == []  # `optional local: default` may be missing
    stale = stale_flags(doc)
    # trainer.grad_clip is alive: `trainer=clip` selects an option that sets it
    assert set(stale) == {"model.depth", "model.dropout", "use_amp"}, stale
    assert stale["model.depth"]["path"] == "configs/model/small.yaml" and stale["model.depth"]["line"] == 3
    variants = by_code(doc, "STL201")
    # callbacks=ckpt is pulled in by the default option's own defaults list; none is never chosen
    assert set(variants) == {"model=tiny", "model=big", "callbacks=none"}
    assert variants["model=big"]["evidence"]["last_set"]["source"] == "configs/experiment/old_big.yaml"
    unknown = by_code(doc, "STL103")
    assert set(unknown) == {"model.widht"}  # `+model.extra` adds a key on purpose; `-m` is Hydra's
    assert "did you mean `model.width`?" in unknown["model.widht"]["message"]
    assert not by_code(doc, "STL101")  # YAML keys are read whole by instantiate()


def test_hydra_missing_default_option_is_an_error(build):
    repo = build("hydrarepo")
    text = (repo / "configs/train.yaml").read_text().replace("model: small", "model: medium")
    (repo / "configs/train.yaml").write_text(text)
    doc = check_json(repo, *ALL)
    assert any(e["path"] == "configs/train.yaml" and "model/medium.yaml does not exist" in e["message"]
               for e in doc["errors"])
