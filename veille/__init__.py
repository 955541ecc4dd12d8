"""Technology watch: sentence-transformer techniques vs bag-of-words on product descriptions.

Heavy libraries (torch, sentence-transformers, setfit, model2vec) are imported lazily, only when a
cache miss needs them, so a warm rerun and ``render`` stay fast and work without the extra.
"""

import os

# Nothing may be downloaded at run time: force Hugging Face libraries offline before any of them
# is imported (they read these variables at import time).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
