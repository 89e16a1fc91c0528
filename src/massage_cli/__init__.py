"""massage-cli: will massage help with my back or neck condition?"""

__version__ = "0.1.0"
