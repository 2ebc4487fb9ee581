"""Test files start longest first, so that the two xdist workers finish together
(``--dist loadfile`` hands out whole files in collection order)."""

#: The slowest files, slowest first (from ``pytest --durations``); the rest follow in name order.
LONGEST_FIRST = ("test_install", "test_best_practices", "test_gradient_descent", "test_training_slope_bias",
                 "test_prediction", "test_training_slope", "test_mutation", "test_cluster", "test_scaffold",
                 "test_mixed_class", "test_bench", "test_attacks", "test_real_world", "test_redteam",
                 "test_resume", "test_gradebook", "test_hostile_values", "test_limits")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        name = item.path.stem
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file keeps its own order
