"""What a control character is: the one definition behind the checker and the renderers.

Only character classes and the policies built from them; no reading, no escaping logic.
"""

from __future__ import annotations

import re

# C0 controls other than tab and newline (those two are a policy decision of each caller).
C0 = "\x00-\x08\x0b-\x1f"
# DEL and the C1 controls.
DEL_C1 = "\x7f-\x9f"
# Controls that reorder text (bidirectional embeddings, overrides, isolates and marks).
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Invisible format characters that no text needs: the zero-width space, the line and
# paragraph separators, the word joiner and invisible operators (U+2060-2065), the deprecated
# format controls U+206A-206F, the zero-width no-break space U+FEFF (a byte order mark is only
# legal at the start of a file, where the reader drops it) and the interlinear annotation marks.
FORMAT_REFUSED = "\u200b\u2028\u2029\u2060-\u2065\u206a-\u206f\ufeff\ufff9-\ufffb"
# The zero-width non-joiner and joiner: invisible too, but Persian, Indic scripts and emoji
# need them, so they are legal input, made visible on output like the selectors below.
JOINERS = "\u200c\u200d"
# Every invisible format character (escaped on output).
FORMAT = f"{JOINERS}{FORMAT_REFUSED}"
# Lone surrogates (only a broken decoder or surrogateescape produces them).
SURROGATES = "\ud800-\udfff"
# The rest of Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): drawn as
# nothing, so they hide or smuggle text. Soft hyphen, combining grapheme joiner, Hangul fillers,
# Khmer inherent vowels, the Mongolian vowel separator, the reserved FFF0-FFF8, shorthand
# format controls, musical formatting, and the tag block E0000-E0FFF (tag characters and the
# variation selectors supplement).
INVISIBLE = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# Variation selectors (and the Mongolian free ones) that emoji and scripts need: legal input,
# escaped on output like the zero-width joiners in FORMAT, since they too are drawn as nothing.
SELECTORS = "\u180b-\u180d\u180f\ufe00-\ufe0f"

# Refused in event text: C0 (tab always allowed, newline where the field is multi-line), DEL,
# C1, bidi controls, the invisible and refused format characters and lone surrogates.
# Zero-width joiners and variation selectors stay legal input (emoji and several scripts need
# them); the renderers make them visible instead.
REFUSED_SINGLE_LINE = f"[\n{C0}{DEL_C1}{BIDI}{FORMAT_REFUSED}{INVISIBLE}{SURROGATES}]"
REFUSED_MULTILINE = f"[{C0}{DEL_C1}{BIDI}{FORMAT_REFUSED}{INVISIBLE}{SURROGATES}]"
# Escaped on output: every control, bidi, format and invisible character (surrogates apart).
ESCAPED = f"[{C0}{DEL_C1}{BIDI}{FORMAT}{INVISIBLE}{SELECTORS}]"
# Written as \u escapes in JSON, which escapes C0 itself: the rest, surrogates included.
JSON_ESCAPED = f"[{DEL_C1}{BIDI}{FORMAT}{INVISIBLE}{SELECTORS}{SURROGATES}]"

# What a name may not hold to be an id: whatever the renderers escape (controls, bidi, format
# and invisible characters, joiners, selectors), lone surrogates, and (in not_plain) anything
# str.isprintable refuses (no-break and other odd spaces, unassigned code points).
_NOT_PLAIN = re.compile(f"[{C0}{DEL_C1}{BIDI}{FORMAT}{INVISIBLE}{SELECTORS}{SURROGATES}]")


def not_plain(name: str) -> str:
    """The first character that keeps a file name from being an id (printable and plain), as
    'the control character U+001B', or ''."""
    found = _NOT_PLAIN.search(name)
    if found is None and name.isprintable():
        return ""  # the usual name, without a look at each character
    char = found.group(0) if found else next((c for c in name if not c.isprintable()), "")
    if not char:
        return ""
    if re.match(f"[{C0}{DEL_C1}]", char):
        kind = "control character"
    elif re.match(f"[{BIDI}]", char):
        kind = "bidi control"
    elif char.isspace():
        kind = "space"
    elif re.match(f"[{FORMAT}{INVISIBLE}{SELECTORS}]", char):
        kind = "invisible character"
    else:
        kind = "unprintable character"
    return f"the {kind} U+{ord(char):04X}"
