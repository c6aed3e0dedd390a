"""Blocks + segmentation cue mentions -> blocks marked as boilerplate (menus, end matter, adverts, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from pipeline.engine.layout import Block
from pipeline.engine.matcher import Mentions

_PHONE = re.compile(r"\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4}\b")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_LINE = re.compile(rf"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}$"
                        r"|^\d{4}-\d{2}-\d{2}$", re.IGNORECASE)
_DATE = re.compile(rf"\b(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
                   re.IGNORECASE)
# A reference-list entry: "Daly EJ, et al. ...", or a title ending in a year ("... JAMA Psychiatry. 2019.").
_REFERENCE = re.compile(r"\bet al\.|[.?]\s+(?:19|20)\d{2}[a-z]?\.?$")
_COUNT_PREFIX = re.compile(r"^\d+\s+")
MENU_RUN = 3
MENU_WORDS = 3
CONTENT_KINDS = ("paragraph", "item", "question", "quote")

# cue lists of data/segmentation.yaml as the matcher names them
NAVIGATION = "segmentation.navigation_blocks"
END_MATTER = "segmentation.end_matter_headings"
TEASERS = "segmentation.teaser_prefixes"
ADVERTS = "segmentation.advert_cues"
CALLS = "segmentation.call_to_action_cues"
METADATA = "segmentation.metadata_cues"
SIGN_UPS = "segmentation.sign_up_headings"


@dataclass(frozen=True)
class Page:
    """What every mark rule may look at."""

    text: str
    blocks: tuple[Block, ...]
    mentions: Mentions

    def body(self, block: Block) -> str:
        return self.text[block.start:block.end]

    def has(self, list_name: str, block: Block) -> bool:
        return bool(self.mentions.of(list_name, block.start, block.end))

    def is_whole(self, list_name: str, block: Block) -> bool:
        """The block says nothing but one phrase of the list (a trailing colon aside)."""
        end = block.end - 1 if self.text[block.end - 1] == ":" else block.end
        found = self.mentions.first(list_name, block.start, end)
        return found is not None and found.start == block.start and found.end == end

    def starts_with(self, list_name: str, block: Block) -> bool:
        found = self.mentions.first(list_name, block.start, block.end)
        return found is not None and found.start == block.start


BlockRule = Callable[[Page, Block], bool]


def _navigation(page: Page, block: Block) -> bool:
    return page.is_whole(NAVIGATION, block)


def _teaser(page: Page, block: Block) -> bool:
    return page.starts_with(TEASERS, block) or (
        page.body(block).endswith(("...", "…")) and block.kind != "item")


def _contact(page: Page, block: Block) -> bool:
    return bool(_PHONE.search(page.body(block))) or (block.kind == "heading" and page.has(CALLS, block))


def _dateline(page: Page, block: Block) -> bool:
    body = page.body(block)
    return bool(_DATE_LINE.match(body)) or (block.kind in ("heading", "row") and bool(_DATE.search(body)))


def _metadata(page: Page, block: Block) -> bool:
    return page.has(METADATA, block)


def _reference(page: Page, block: Block) -> bool:
    return block.kind in ("item", "row", "paragraph") and bool(_REFERENCE.search(page.body(block)))


def _caption(page: Page, block: Block) -> bool:
    body = page.body(block)
    return block.kind == "heading" and body[0].islower() and len(body.split()) <= 8


def _signature(page: Page, block: Block) -> bool:
    return (block.kind == "heading" and len(page.body(block).split()) <= 4 and block.index > 0
            and page.blocks[block.index - 1].kind == "quote")


# Marks that a block earns on its own, in the order they are listed in a block's marks.
BLOCK_RULES: dict[str, BlockRule] = {
    "navigation": _navigation, "teaser": _teaser, "contact": _contact, "dateline": _dateline,
    "metadata": _metadata, "reference": _reference, "caption": _caption, "signature": _signature,
}


def _end_matter(page: Page) -> set[int]:
    """A heading naming end matter ("Related posts", "2 Comments"), once content has begun: it and
    everything after it."""
    seen_content = False
    menus = _menus(page)
    for block in page.blocks:
        if seen_content and block.kind in ("heading", "row", "item"):
            whole = page.body(block)
            body = _COUNT_PREFIX.sub("", whole)
            shifted = replace(block, start=block.start + len(whole) - len(body)) if len(body) < len(whole) else block
            if page.is_whole(END_MATTER, shifted):
                return set(range(block.index, len(page.blocks)))
        # a menu line ("About Us") is no content and starts no end matter: only prose, questions, quotes and
        # marked list items are
        if (block.kind in CONTENT_KINDS and (block.kind != "item" or block.marker) and block.index not in menus
                and not page.is_whole(NAVIGATION, block)):
            seen_content = True
    return set()


def _menus(page: Page) -> set[int]:
    """Runs of three or more very short unpunctuated lines with no digits: menus and link lists."""
    def short(block: Block) -> bool:
        body = page.body(block)
        under_lead_in = block.parent is not None and page.blocks[block.parent].kind == "lead-in"
        return (block.kind in ("heading", "item", "row") and not block.marker and not under_lead_in
                and len(body.split()) <= MENU_WORDS
                and body[-1] not in ".!;,:?" and not any(ch.isdigit() for ch in body))

    found: set[int] = set()
    run: list[int] = []
    for block in [*page.blocks, None]:
        if block is not None and short(block) and not block.blank_before:
            run.append(block.index)
            continue
        if len(run) >= MENU_RUN:
            found.update(run)
        run = [block.index] if block is not None and short(block) else []
    return found


def _adverts(page: Page) -> set[int]:
    """A block with an advert cue, a sign-up heading, and every block of their sections; a heading that calls
    to action right after an advert section ("Find relief today at") continues it."""
    sections = set()
    for block in page.blocks:
        if page.has(ADVERTS, block) or (block.kind == "heading" and page.has(SIGN_UPS, block)):
            sections.add(block.index if block.kind == "heading" else block.parent)
        elif block.kind == "heading" and page.has(CALLS, block) and _after_advert(page, block, sections):
            sections.add(block.index)
    return {b.index for b in page.blocks if b.index in sections or (b.parent in sections and b.parent is not None)}


def _after_advert(page: Page, heading: Block, sections: set[int]) -> bool:
    previous = next((b for b in reversed(page.blocks[:heading.index]) if b.kind == "heading"), None)
    return previous is not None and previous.index in sections


# Marks that depend on a block's neighbours or section.
PAGE_RULES: dict[str, Callable[[Page], set[int]]] = {
    "end-matter": _end_matter, "navigation": _menus, "advert": _adverts,
}


def mark_boilerplate(text: str, blocks: tuple[Block, ...], mentions: Mentions) -> tuple[Block, ...]:
    """Blocks -> the same blocks with every boilerplate mark that applies (no mark: content)."""
    page = Page(text, blocks, mentions)
    by_page = {name: rule(page) for name, rule in PAGE_RULES.items()}
    marked = []
    for block in blocks:
        marks = [name for name, rule in BLOCK_RULES.items() if rule(page, block)]
        marks += [name for name, indexes in by_page.items() if block.index in indexes]
        marked.append(replace(block, marks=tuple(dict.fromkeys(marks))) if marks or block.marks else block)
    return tuple(marked)


def call_to_action(page_text: str, mentions: Mentions, start: int, end: int) -> bool:
    """Whether a sentence asks the reader to act (call us, book an appointment)."""
    return bool(mentions.of(CALLS, start, end))
