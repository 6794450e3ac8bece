"""What a run writes from the store and its news: the README and the notification issues."""
