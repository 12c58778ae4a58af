"""The text view (pure): core.getDOMInfo() trees -> lines, and the solvers' parser reads them back."""

from agentgym.envs.web.dom import flatten, render, state_payload
from agentgym.envs.web.solvers import SOLVERS, parse_view

DOM = {
    "tag": "BODY", "ref": 1, "focused": True, "bgColor": "rgb(85, 85, 85)", "left": 0, "top": 0, "width": 500, "height": 210,
    "children": [
        {"tag": "DIV", "ref": 2, "id": "area", "classes": "", "left": 0, "top": 50, "width": 160, "height": 150, "children": [
            {"tag": "INPUT_text", "ref": 3, "id": "tt", "classes": "", "value": 'say "hi"', "children": []},
            {"tag": "LABEL", "ref": 4, "classes": "", "children": [
                {"tag": "INPUT_checkbox", "ref": 5, "id": "ch0", "classes": "", "value": True, "children": []},
                {"tag": "t", "ref": -1, "text": "Alpha", "children": []},
            ]},
            {"tag": "BUTTON", "ref": 6, "id": "subbtn", "classes": "secondary-action", "text": "Submit", "children": []},
            {"tag": "DIV", "ref": 7, "classes": "", "bgColor": "rgb(255, 0, 0)", "text": "", "children": []},
            {"tag": "circle", "ref": 8, "classes": {"baseVal": ""}, "left": 10, "top": 20, "width": 10, "height": 10, "children": []},
        ]},
    ],
}


def test_render():
    text = render('Enter "x" and press Submit.', flatten(DOM))
    assert text == "\n".join([
        'Task: Enter "x" and press Submit.',
        "Page:",
        "[1] body (focused)",
        "  [2] div #area",
        '    [3] input type=text #tt value="say \\"hi\\""',
        "    [4] label",
        "      [5] input type=checkbox #ch0 (checked)",
        '      text "Alpha"',
        '    [6] button #subbtn .secondary-action "Submit"',
        "    [7] div bg=rgb(255, 0, 0)",
        "    [8] circle at (15,25)",
    ])


def test_parse_view_reads_render_back():
    task, lines = parse_view(render("Select Alpha and click Submit.", flatten(DOM)))
    assert task == "Select Alpha and click Submit."
    by_ref = {line.ref: line for line in lines if line.ref is not None}
    assert by_ref[3].value == 'say "hi"' and by_ref[3].input_type == "text" and by_ref[3].id == "tt"
    assert by_ref[5].checked is True and by_ref[1].focused
    assert by_ref[6].text == "Submit" and by_ref[6].classes == ("secondary-action",)
    assert [line.text for line in lines if line.ref is None] == ["Alpha"]
    # The checkbox is already checked: the solver submits.
    assert SOLVERS["click-checkboxes"](render("Select Alpha and click Submit.", flatten(DOM))) == "click(6)"


def test_state_payload_ignores_references():
    renumbered = flatten(DOM)
    shifted = [e.__class__(**{**e.__dict__, "ref": e.ref + 100}) for e in renumbered]
    assert state_payload("t", renumbered) == state_payload("t", shifted)
