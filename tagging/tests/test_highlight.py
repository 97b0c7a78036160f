from tagging.highlight import Piece, highlight


def test_plain_text_is_one_piece():
    assert highlight("abc", []) == [Piece("abc", ())]


def test_spans_become_marked_pieces_and_overlaps_share():
    pieces = highlight("có máy lạnh mát", [(3, 11, "Điều hòa"), (12, 15, "Thoáng mát"), (3, 6, "X")])
    assert pieces == [Piece("có ", ()), Piece("máy", ("Điều hòa", "X")), Piece(" lạnh", ("Điều hòa",)),
                      Piece(" ", ()), Piece("mát", ("Thoáng mát",))]
    assert "".join(p.text for p in pieces) == "có máy lạnh mát"
