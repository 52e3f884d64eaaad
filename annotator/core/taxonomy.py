"""The PII taxonomy: categories, contexts, training order and their colours.

Colours come from the Okabe-Ito palette, chosen to stay distinguishable under the
common forms of colour blindness. Colour is never the only cue: each category also
has its own underline style and a short chip label.
"""

from dataclasses import dataclass

from django.db import models


class Category(models.TextChoices):
    NAME = "NAME", "Name"
    EMAIL = "EMAIL", "Email"
    USERNAME = "USERNAME", "Username"
    IP_ADDRESS = "IP_ADDRESS", "IP address"
    PASSWORD = "PASSWORD", "Password"
    KEY = "KEY", "SSH/API key"
    ID = "ID", "ID"
    AMBIGUOUS = "AMBIGUOUS", "Ambiguous"


class Context(models.TextChoices):
    LICENSE = "license", "In a license"
    PLACEHOLDER = "placeholder", "Placeholder"
    REAL = "real", "Real"


# Quizzes unlock in this order, easiest first.
TRAINING_ORDER: tuple[str, ...] = (
    Category.NAME,
    Category.EMAIL,
    Category.USERNAME,
    Category.IP_ADDRESS,
    Category.PASSWORD,
    Category.KEY,
    Category.ID,
)
# The seven categories a project may label (AMBIGUOUS is always available).
PII_CATEGORIES = frozenset(TRAINING_ORDER)
CONTEXT_CATEGORIES = frozenset({Category.NAME, Category.EMAIL, Category.USERNAME})
MAX_PROJECT_CATEGORIES = 4


@dataclass(frozen=True)
class Look:
    colour: str  # background tint of the highlight
    underline: str  # CSS text-decoration-style: the cue that is not colour
    chip: str  # short label drawn next to the span


LOOKS: dict[str, Look] = {
    Category.NAME: Look("#E69F00", "solid", "NAME"),
    Category.EMAIL: Look("#56B4E9", "double", "EMAIL"),
    Category.USERNAME: Look("#009E73", "dashed", "USER"),
    Category.IP_ADDRESS: Look("#F0E442", "dotted", "IP"),
    Category.PASSWORD: Look("#D55E00", "wavy", "PASS"),
    Category.KEY: Look("#CC79A7", "solid", "KEY"),
    Category.ID: Look("#0072B2", "double", "ID"),
    Category.AMBIGUOUS: Look("#999999", "dotted", "???"),
}


def has_context(category: str) -> bool:
    return category in CONTEXT_CATEGORIES


def validate_categories(categories: list[str]) -> list[str]:
    """Return the categories in training order, or raise ValueError with a clear message."""
    unknown = [c for c in categories if c not in PII_CATEGORIES]
    if unknown:
        raise ValueError(f"Unknown categories: {', '.join(map(str, unknown))}.")
    if len(set(categories)) != len(categories):
        raise ValueError("Each category may appear only once.")
    if not categories:
        raise ValueError("A project labels at least one category.")
    if len(categories) > MAX_PROJECT_CATEGORIES:
        raise ValueError(
            f"A project labels at most {MAX_PROJECT_CATEGORIES} categories; got {len(categories)}."
        )
    return [c for c in TRAINING_ORDER if c in categories]
