"""Wire formats (pure): stream framing, progress messages, tar walking, timestamps."""
