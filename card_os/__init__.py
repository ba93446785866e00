"""sscard: the social security card itself, in pure Python (bytes in, bytes out)."""
