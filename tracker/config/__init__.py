"""What to track: the settings objects, and reading and checking ``config/keywords.yaml``."""

from tracker.config.digest import DigestSettings, TranslateSettings
from tracker.config.loader import config_keys, load_config, repository_root
from tracker.config.output_settings import EmailSettings, FeedSettings
from tracker.config.settings import (
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
    slugify,
)

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
    "repository_root",
    "slugify",
]
