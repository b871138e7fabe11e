"""What a control character is: the one definition behind the checker and the renderers.

Only character classes and the policies built from them; no reading, no escaping logic.
"""

from __future__ import annotations

# C0 controls other than tab and newline (those two are a policy decision of each caller).
C0 = "\x00-\x08\x0b-\x1f"
# DEL and the C1 controls.
DEL_C1 = "\x7f-\x9f"
# Controls that reorder text (bidirectional embeddings, overrides, isolates and marks).
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Other invisible format characters: zero-width characters, line and paragraph separators,
# invisible operators, the byte order mark, interlinear annotation marks.
FORMAT = "\u200b-\u200d\u2028\u2029\u2060-\u2065\u206a-\u206f\ufeff\ufff9-\ufffb"
# Lone surrogates (only a broken decoder or surrogateescape produces them).
SURROGATES = "\ud800-\udfff"

# Refused in event text: C0 (tab always allowed, newline where the field is multi-line), DEL,
# C1, bidi controls and lone surrogates. Zero-width joiners and the like stay legal input
# (emoji and several scripts need them); the renderers make them visible instead.
REFUSED_SINGLE_LINE = f"[\n{C0}{DEL_C1}{BIDI}{SURROGATES}]"
REFUSED_MULTILINE = f"[{C0}{DEL_C1}{BIDI}{SURROGATES}]"
# Escaped on output: every control, bidi and format character (surrogates separately).
ESCAPED = f"[{C0}{DEL_C1}{BIDI}{FORMAT}]"
# Written as \u escapes in JSON, which escapes C0 itself: the rest, surrogates included.
JSON_ESCAPED = f"[{DEL_C1}{BIDI}{FORMAT}{SURROGATES}]"
