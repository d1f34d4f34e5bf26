"""Scenario configuration: YAML files validated into immutable, unit-checked objects.

``types`` holds the dimensioned field types, ``schema`` the scenario objects and
``loader`` the safe YAML loader that reports errors with file, line and key path.
"""
