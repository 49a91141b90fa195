pytest_plugins = ["ombuds_shared.pytest_plugin"]
