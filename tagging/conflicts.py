"""Text against photos: a visual feature the photos clearly show while the text denies it, or
one the text claims while none of several photos shows it and the photo model is confident it
is absent.  Flagged on the suggestion (an admin filter, a gentle note to the landlord), never
decided automatically.

Only for tags whose photos are trustworthy: photo-only precision of the shipped model
(multimodal-2) on the photo test split (258 held-out photos, ``python -m mlcore evaluate --data
<photo-split test> --model default --modality image``) of at least 0.85.  Measured 2026-11-30:
gac_lung 0.889 (9 predicted), wc_rieng 0.865 (37), noi_that_day_du 0.857 (7); the next ones fall
short (cua_so 0.836, ban_hoc 0.833, giuong 0.822, bep 0.787).  ``test_conflicts`` measures it
again when the data is present, so a new model cannot keep a list it does not earn.
"""
from __future__ import annotations

RELIABLE_PHOTO_TAGS = {"gac_lung": 0.889, "wc_rieng": 0.865, "noi_that_day_du": 0.857}
MIN_PRECISION = 0.85
ABSENT_BELOW = 0.10      # photo-head probability under which the photos say "not there"
SEVERAL_PHOTOS = 3

TEXT_DENIES = "text_denies"     # the photos show it, the text says there is none
PHOTOS_DENY = "photos_deny"     # the text says it, several photos and the photo model say no


def find_conflict(slug: str, *, text_evidence: bool, denied: bool, photo_confidence: float | None,
                  photo_threshold: float, photo_count: int) -> str:
    """"text_denies", "photos_deny" or "" for one tag of one listing."""
    if slug not in RELIABLE_PHOTO_TAGS or photo_confidence is None:
        return ""
    if denied and photo_confidence >= photo_threshold:
        return TEXT_DENIES
    if text_evidence and not denied and photo_count >= SEVERAL_PHOTOS and photo_confidence < ABSENT_BELOW:
        return PHOTOS_DENY
    return ""
