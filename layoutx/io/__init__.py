"""Getting images: local files, bytes, and the challenge's image links."""
