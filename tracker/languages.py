"""The languages a digest can be translated into, and the characters of their scripts.

The script is what ``translate.translation_problem`` looks for: a
translation without a single character of it is not one.
"""

from __future__ import annotations

LANGUAGES: dict[str, tuple[str, str]] = {
    # code: (name in the instruction, characters of its script)
    "zh": ("Simplified Chinese", r"[\u4e00-\u9fff\u3400-\u4dbf]"),
    "zh-tw": ("Traditional Chinese", r"[\u4e00-\u9fff\u3400-\u4dbf]"),
    "ja": ("Japanese", r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "ko": ("Korean", r"[\uac00-\ud7af\u1100-\u11ff]"),
    "ru": ("Russian", r"[\u0400-\u04ff]"),
    "uk": ("Ukrainian", r"[\u0400-\u04ff]"),
    "ar": ("Arabic", r"[\u0600-\u06ff]"),
    "fa": ("Persian", r"[\u0600-\u06ff]"),
    "he": ("Hebrew", r"[\u0590-\u05ff]"),
    "hi": ("Hindi", r"[\u0900-\u097f]"),
    "th": ("Thai", r"[\u0e00-\u0e7f]"),
    "el": ("Greek", r"[\u0370-\u03ff]"),
    "de": ("German", r"[A-Za-z\u00c0-\u017f]"),
    "fr": ("French", r"[A-Za-z\u00c0-\u017f]"),
    "es": ("Spanish", r"[A-Za-z\u00c0-\u017f]"),
    "it": ("Italian", r"[A-Za-z\u00c0-\u017f]"),
    "pt": ("Portuguese", r"[A-Za-z\u00c0-\u017f]"),
}
