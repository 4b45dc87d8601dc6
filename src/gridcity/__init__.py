"""gridcity: a grid-based city management platform (网格化城市管理) joining three networks (三网融合)."""

__version__ = "0.1.0"
