"""ftkit: helpers for the Korean fine-tuning course (미세 조정 강좌).

Modules: profiles, models, data, training, freezing, evaluation, embeddings, plotting, report, cli.
Import the submodule you need (``from ftkit import data``); importing ``ftkit`` itself stays light.
"""
__version__ = "0.1.0"
