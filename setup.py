"""Packaging for naslib-diffusionnag (metadata lives in pyproject.toml)."""
from setuptools import setup

setup()
