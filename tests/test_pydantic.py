"""pydantic end to end on fixtures/pydanticrepo: BaseSettings/BaseModel fields, nested models,
`env_prefix` environment variables on launch commands, YAML config files."""
import textwrap

from conftest import ALL, by_code, check_json, stale_flags

from stalelint.evidence import launch
from stalelint.index import index_file


def test_fields_and_env_aliases():
    f = index_file("s.py", textwrap.dedent('''
        from pydantic import BaseModel, Field
        from pydantic_settings import BaseSettings, SettingsConfigDict
        class Base(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="APP_")
            lr: float = Field(default=0.1)
            name: str = Field(...)
            tags: list[str] = Field(default_factory=list)
        class Child(Base):
            depth: int = 3
        class ModelArgs(BaseModel):
            width: int = 8
        class Payload(BaseModel):
            text: str = ""
    '''))
    k = {(x.owner, x.name): x for x in f.knobs}
    assert set(k) == {("Base", "lr"), ("Base", "name"), ("Base", "tags"), ("Child", "depth"), ("ModelArgs", "width")}
    assert k[("Base", "lr")].default == 0.1 and k[("Base", "lr")].aliases == ("env:app_lr",)
    assert k[("Base", "name")].required and k[("Base", "tags")].default == []
    assert k[("Child", "depth")].aliases == ("env:app_depth",)  # model_config is inherited
    assert k[("ModelArgs", "width")].aliases == () and not k[("ModelArgs", "width")].cli


def test_launch_environment():
    cmds = launch.commands("run.sh", "export A=1\nB=2 CUDA_VISIBLE_DEVICES=0 python t.py --x 1\nC=$UNSET python t.py\n")
    assert cmds[0].env == (("A", "1"), ("B", "2"), ("CUDA_VISIBLE_DEVICES", "0"))
    assert cmds[1].env == (("A", "1"), ("C", "\0unknown"))


def test_pydanticrepo(build):
    doc = check_json(build("pydanticrepo"), *ALL)
    assert doc["experiments"] == {"total": 5, "recent": 4}
    stale = stale_flags(doc)
    # TrainSettings.seed is never set (`SEED=7` lacks the APP_ prefix); EvalSettings.seed is, by EVAL_SEED=3
    assert {(f["name"], f["line"]) for f in stale.values()} == {("optim.use_lookahead", 8), ("seed", 17),
                                                                ("batch_size", 26)}
    look = stale["optim.use_lookahead"]
    assert look["evidence"]["last_set"]["source"] == "configs/old/lookahead.yaml" and look["removable_lines"] == 4
    # alive: use_amp by APP_USE_AMP=1, data_dir by an exported APP_DATA_DIR, epochs and optim.* by YAML
    assert not {"use_amp", "data_dir", "epochs", "optim.lr", "optim.warmup", "text"} & set(stale)
    assert by_code(doc, "STL101") == {} and by_code(doc, "STL103") == {} and doc["errors"] == []
