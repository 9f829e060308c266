from core.analysis.visibility import visible_runs
from core.training.config import preset


def test_own_runs_always_and_with_everyone_the_class_only(store):
    config = preset("logistic")
    mine = store.begin_run(config, learner="me", class_code="")
    mine_in_class = store.begin_run(config, learner="me", class_code="ABC234")
    classmate = store.begin_run(config, learner="kim", class_code="ABC234")
    other_class = store.begin_run(config, learner="lee", class_code="XYZ789")
    no_class = store.begin_run(config, learner="sam", class_code="")

    assert {r.run_id for r in visible_runs(store, "me", "ABC234", everyone=False)} == {mine, mine_in_class}
    in_class = visible_runs(store, "me", "ABC234", everyone=True, with_history=False)
    assert {r.run_id for r in in_class} == {mine, mine_in_class, classmate}
    assert other_class not in {r.run_id for r in in_class} and no_class not in {r.run_id for r in in_class}
    assert [r.created_at for r in in_class] == sorted((r.created_at for r in in_class), reverse=True)
    outside = {r.run_id for r in visible_runs(store, "sam", "", everyone=True)}
    assert outside == {mine, no_class}  # runs of no class, never a class's
