"""massage-cli: will massage help with my condition?"""

__version__ = "0.1.0"
