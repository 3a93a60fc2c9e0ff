"""ftkit: helpers for the Korean fine-tuning course (미세 조정 강좌).

Modules: profiles, models, data, training, freezing, evaluation, embeddings, llm, precision, prose, plotting,
report, cli. Import the submodule you need (``from ftkit import data``); importing ``ftkit`` itself stays light.
"""
import logging as _logging

__version__ = "0.1.0"

# bitsandbytes (installed for QLoRA) logs a warning on every import on CPUs with AVX512-BF16 about an optional
# 'kernels' package that the course never needs; peft imports it, so every lesson would show it.
_logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(_logging.ERROR)
