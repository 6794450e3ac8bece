"""What to track: the settings objects, and reading and checking ``config/keywords.yaml``."""

from tracker.config.digest import DigestSettings, TranslateSettings
from tracker.config.loader import (
    ARXIV_ENDPOINT,
    DEFAULT_CONFIG,
    ENDPOINT_ENV,
    ArxivSettings,
    Config,
    IssueSettings,
    Keyword,
    Paths,
    ScheduleSettings,
    SiteSettings,
    config_keys,
    load_config,
    slugify,
)
from tracker.config.output_settings import EmailSettings, FeedSettings

__all__ = [
    "ARXIV_ENDPOINT",
    "DEFAULT_CONFIG",
    "ENDPOINT_ENV",
    "ArxivSettings",
    "Config",
    "DigestSettings",
    "EmailSettings",
    "FeedSettings",
    "IssueSettings",
    "Keyword",
    "Paths",
    "ScheduleSettings",
    "SiteSettings",
    "TranslateSettings",
    "config_keys",
    "load_config",
    "slugify",
]
