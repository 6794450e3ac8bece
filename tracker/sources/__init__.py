"""Where papers come from: the arXiv API search, over a polite HTTP session."""
