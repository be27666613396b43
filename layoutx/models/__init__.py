"""LayoutLMv3 token tagger: encoding (entity prompt + sliding windows), presets, export and inference (no Lightning)."""
