pytest_plugins = ["ombuds_testing.pytest_plugin"]
