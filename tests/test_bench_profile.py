"""The profile reader: py-spy's collapsed stacks, counted per frame."""

from bench.profile import shares_of


def test_shares_count_each_frame_inclusively_and_as_the_innermost() -> None:
    collapsed = "main;handle;read 3\nmain;handle 1\nmain;idle 2\n"
    total, inclusive, own = shares_of(collapsed)
    assert total == 6
    assert inclusive["main"] == 6 and inclusive["handle"] == 4 and inclusive["read"] == 3
    assert own["read"] == 3 and own["handle"] == 1 and own["main"] == 0


def test_a_frame_name_read_mid_change_may_hold_line_breaks() -> None:
    # py-spy samples without pausing the process, so a name can be garbage, breaks included.
    collapsed = "main;handle 2\nmain;garb\x00\n (\x0b\x1cage;leaf 5\nmain 1\n"
    total, inclusive, own = shares_of(collapsed)
    assert total == 8
    assert inclusive["main"] == 8
    assert own["leaf"] == 5
