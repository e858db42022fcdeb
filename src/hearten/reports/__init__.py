"""Reports: a trial's results rendered for people who will act on them."""
