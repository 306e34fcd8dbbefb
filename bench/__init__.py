"""The benchmark instrument (`make bench SCALE=city|province|national`): see bench/__main__.py."""
