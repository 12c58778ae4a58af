"""Reading the shop's HTML as WebShop's text observation."""

from agentgym.envs.shop.page import parse_page

HTML = (
    '<!doctype html><html><head><title>ignored</title><meta name="page" content="results">'
    '<meta name="state" content="/results?page=1&amp;q=x"></head><body>'
    '<div id="instruction">Instruction: <span>buy  a\nshirt</span></div>'
    '<a href="/s/">Back to Search</a><p>Page 1 (Total results: 2)</p><a href="/s/next">Next &gt;</a>'
    '<div class="product"><a href="/s/item/B0A">B0A</a><span>Shirt &amp; Tie</span><span>$1.00</span></div>'
    '<a href="/s/dup">back to  SEARCH</a></body></html>'
)


def test_text_and_clickables() -> None:
    """Guards against lost segments, leaked <head> text and unescaped entities."""
    page = parse_page(HTML)
    assert page.text == (
        "Instruction: [SEP] buy a shirt [SEP] Back to Search [SEP] Page 1 (Total results: 2) [SEP] Next > "
        "[SEP] B0A [SEP] Shirt & Tie [SEP] $1.00 [SEP] back to SEARCH"
    )
    assert page.kind == "results" and page.state == "/results?page=1&q=x" and page.search_action is None
    # Equal names (ignoring case and spacing) keep the first element.
    assert page.clickables == (("Back to Search", "/s/"), ("Next >", "/s/next"), ("B0A", "/s/item/B0A"))
    assert page.find("  next  > ") == "/s/next" and page.find("b0a") == "/s/item/B0A" and page.find("Buy") is None


def test_garbage_is_read_not_raised() -> None:
    page = parse_page("<a href=x>unclosed <b>bold</b> link</a></div></p>&#0;<a>")
    assert page.kind == "error" and page.clickables == (("unclosed bold link", "x"),)
